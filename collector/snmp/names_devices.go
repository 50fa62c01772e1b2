package snmp

// addDeviceMIBNames names the objects the device profiles read (collector/snmp/PROFILES.md),
// column by column in MIB order ("" skips a number the MIB does not define or the profiles
// do not use), so `snmp get/walk` and explain can name everything `auto` polls.
func addDeviceMIBNames(add func(base string, scalar bool, names ...string)) {
	// ENTITY-MIB (RFC 6933) entPhysicalTable.
	add("1.3.6.1.2.1.47.1.1.1.1", false, "entPhysicalIndex", "entPhysicalDescr", "entPhysicalVendorType",
		"entPhysicalContainedIn", "entPhysicalClass", "entPhysicalParentRelPos", "entPhysicalName",
		"entPhysicalHardwareRev", "entPhysicalFirmwareRev", "entPhysicalSoftwareRev", "entPhysicalSerialNum",
		"entPhysicalMfgName", "entPhysicalModelName", "entPhysicalAlias", "entPhysicalAssetID", "entPhysicalIsFRU")
	// ENTITY-SENSOR-MIB (RFC 3433).
	add("1.3.6.1.2.1.99.1.1.1", false, "entPhySensorType", "entPhySensorScale", "entPhySensorPrecision",
		"entPhySensorValue", "entPhySensorOperStatus", "entPhySensorUnitsDisplay")
	// HOST-RESOURCES-MIB (RFC 2790).
	add("1.3.6.1.2.1.25.2.3.1", false, "hrStorageIndex", "hrStorageType", "hrStorageDescr",
		"hrStorageAllocationUnits", "hrStorageSize", "hrStorageUsed", "hrStorageAllocationFailures")
	add("1.3.6.1.2.1.25.3.2.1", false, "hrDeviceIndex", "hrDeviceType", "hrDeviceDescr")
	add("1.3.6.1.2.1.25.3.3.1", false, "hrProcessorFrwID", "hrProcessorLoad")
	// UCD-SNMP-MIB memory and systemStats (instance 0 / scalars).
	add("1.3.6.1.4.1.2021.4", true, "memIndex", "memErrorName", "memTotalSwap", "memAvailSwap",
		"memTotalReal", "memAvailReal", "memTotalSwapTXT", "memAvailSwapTXT", "memTotalRealTXT",
		"memAvailRealTXT", "memTotalFree", "memMinimumSwap", "memShared", "memBuffer", "memCached")
	add("1.3.6.1.4.1.2021.11", true, "ssIndex", "ssErrorName", "ssSwapIn", "ssSwapOut", "ssIOSent",
		"ssIOReceive", "ssSysInterrupts", "ssSysContext", "ssCpuUser", "ssCpuSystem", "ssCpuIdle")
	add("1.3.6.1.4.1.2021.13.16.2.1", false, "lmTempSensorsIndex", "lmTempSensorsDevice", "lmTempSensorsValue")
	// LLDP-MIB (IEEE 802.1AB-2005) and LLDP-V2-MIB (802.1AB-2009).
	add("1.0.8802.1.1.2.1.4.1.1", false, "lldpRemTimeMark", "lldpRemLocalPortNum", "lldpRemIndex",
		"lldpRemChassisIdSubtype", "lldpRemChassisId", "lldpRemPortIdSubtype", "lldpRemPortId",
		"lldpRemPortDesc", "lldpRemSysName", "lldpRemSysDesc")
	add("1.0.8802.1.1.2.1.3.7.1", false, "lldpLocPortNum", "lldpLocPortIdSubtype", "lldpLocPortId", "lldpLocPortDesc")
	add("1.3.111.2.802.1.1.13.1.4.1.1", false, "lldpV2RemTimeMark", "lldpV2RemLocalIfIndex",
		"lldpV2RemLocalDestMACAddress", "lldpV2RemIndex", "lldpV2RemChassisIdSubtype", "lldpV2RemChassisId",
		"lldpV2RemPortIdSubtype", "lldpV2RemPortId", "lldpV2RemPortDesc", "lldpV2RemSysName", "lldpV2RemSysDesc")
	// BGP4-MIB (RFC 4273).
	add("1.3.6.1.2.1.15", true, "bgpVersion", "bgpLocalAs")
	add("1.3.6.1.2.1.15.3.1", false, "bgpPeerIdentifier", "bgpPeerState", "bgpPeerAdminStatus",
		"bgpPeerNegotiatedVersion", "bgpPeerLocalAddr", "bgpPeerLocalPort", "bgpPeerRemoteAddr",
		"bgpPeerRemotePort", "bgpPeerRemoteAs", "bgpPeerInUpdates", "bgpPeerOutUpdates",
		"bgpPeerInTotalMessages", "bgpPeerOutTotalMessages", "bgpPeerLastError",
		"bgpPeerFsmEstablishedTransitions", "bgpPeerFsmEstablishedTime")
	// Cisco.
	add("1.3.6.1.4.1.9.9.109.1.1.1.1", false, "cpmCPUTotalIndex", "cpmCPUTotalPhysicalIndex",
		"cpmCPUTotal5sec", "cpmCPUTotal1min", "cpmCPUTotal5min", "cpmCPUTotal5secRev",
		"cpmCPUTotal1minRev", "cpmCPUTotal5minRev")
	// OLD-CISCO-CPU-MIB avgBusy5 is lsystem.58.
	add("1.3.6.1.4.1.9.2.1", true, append(make([]string, 57), "avgBusy5")...)
	add("1.3.6.1.4.1.9.9.109.1.1.2.1", false, "cpmCoreIndex", "cpmCorePhysicalIndex", "cpmCore5sec",
		"cpmCore1min", "cpmCore5min")
	add("1.3.6.1.4.1.9.9.221.1.1.1.1", false, "cempMemPoolIndex", "cempMemPoolType", "cempMemPoolName",
		"cempMemPoolPlatformMemory", "cempMemPoolAlternate", "cempMemPoolValid", "cempMemPoolUsed",
		"cempMemPoolFree", "cempMemPoolLargestFree", "cempMemPoolLowestFree", "cempMemPoolUsedLowWaterMark",
		"cempMemPoolAllocHit", "cempMemPoolAllocMiss", "cempMemPoolFreeHit", "cempMemPoolFreeMiss",
		"cempMemPoolShared", "cempMemPoolUsedOvrflw", "cempMemPoolHCUsed", "cempMemPoolFreeOvrflw",
		"cempMemPoolHCFree")
	add("1.3.6.1.4.1.9.9.48.1.1.1", false, "ciscoMemoryPoolType", "ciscoMemoryPoolName",
		"ciscoMemoryPoolAlternate", "ciscoMemoryPoolValid", "ciscoMemoryPoolUsed", "ciscoMemoryPoolFree",
		"ciscoMemoryPoolLargestFree")
	add("1.3.6.1.4.1.9.9.91.1.1.1.1", false, "entSensorType", "entSensorScale", "entSensorPrecision",
		"entSensorValue", "entSensorStatus")
	add("1.3.6.1.4.1.9.9.13.1.3.1", false, "ciscoEnvMonTemperatureStatusIndex",
		"ciscoEnvMonTemperatureStatusDescr", "ciscoEnvMonTemperatureStatusValue",
		"ciscoEnvMonTemperatureThreshold", "ciscoEnvMonTemperatureLastShutdown", "ciscoEnvMonTemperatureState")
	add("1.3.6.1.4.1.9.9.13.1.4.1", false, "ciscoEnvMonFanStatusIndex", "ciscoEnvMonFanStatusDescr", "ciscoEnvMonFanState")
	add("1.3.6.1.4.1.9.9.13.1.5.1", false, "ciscoEnvMonSupplyStatusIndex", "ciscoEnvMonSupplyStatusDescr",
		"ciscoEnvMonSupplyState", "ciscoEnvMonSupplySource")
}
