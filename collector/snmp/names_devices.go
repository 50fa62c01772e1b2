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
	// Dell OS9 DELL-NETWORKING-CHASSIS-MIB, F10-S-SERIES-CHASSIS-MIB, Dell OS10 DELLEMC-OS10-CHASSIS-MIB.
	add("1.3.6.1.4.1.6027.3.26.1.4.3.1", false, "", "", "", "", "", "dellNetProcessorMemSize")
	add("1.3.6.1.4.1.6027.3.26.1.4.4.1", false, "dellNetCpuUtil5Sec", "", "", "dellNetCpuUtil1Min",
		"dellNetCpuUtil5Min", "dellNetCpuUtilMemUsage")
	add("1.3.6.1.4.1.6027.3.26.1.4.6.1", false, "", "", "", "dellNetPowerSupplyOperStatus")
	add("1.3.6.1.4.1.6027.3.26.1.4.7.1", false, "", "", "", "dellNetFanTrayOperStatus")
	add("1.3.6.1.4.1.6027.3.10.1.2.9.1", false, "", "chStackUnitCpuUtil5Sec", "chStackUnitCpuUtil1Min",
		"chStackUnitCpuUtil5Min", "chStackUnitMemUsageUtil")
	add("1.3.6.1.4.1.674.11000.5000.100.4.1.1.3.1", false, append(make([]string, 10), "os10ChassisTemp")...)
	add("1.3.6.1.4.1.674.11000.5000.100.4.1.1.4.1", false, "", "", "", "", "os10CardTemp")
	// TIMETRA-LLDP-MIB tmnxLldpRemTable (laid out as lldpV2RemTable, one column earlier).
	add("1.3.6.1.4.1.6527.3.1.2.59.4.1.1", false, "tmnxLldpRemTimeMark", "tmnxLldpRemLocalDestMACAddress",
		"tmnxLldpRemIndex", "tmnxLldpRemChassisIdSubtype", "tmnxLldpRemChassisId", "tmnxLldpRemPortIdSubtype",
		"tmnxLldpRemPortId", "tmnxLldpRemPortDesc", "tmnxLldpRemSysName", "tmnxLldpRemSysDesc")
	// CISCO-ENTITY-QFP-MIB, CISCO-WAN-3G-MIB, HP-ICF-CHASSIS power supplies, JNX-OPT-IF-EXT-MIB.
	add("1.3.6.1.4.1.9.9.715.1.1.6.1", false, append(make([]string, 13), "ceqfpUtilProcessingLoad")...)
	add("1.3.6.1.4.1.9.9.661.1.1.1", false, append(make([]string, 11), "c3gCurrentModemTemperature")...)
	add("1.3.6.1.4.1.11.2.14.11.5.1.55.1.1.1", false, "hpicfPsBayNum", "hpicfPsState", "hpicfPsFailures", "hpicfPsTemp")
	add("1.3.6.1.4.1.2636.3.71.1.2.1.1", false, append(append(make([]string, 6), "jnxPMCurTxOutputPower",
		"jnxPMCurRxInputPower"), append(make([]string, 30), "jnxPMCurTemperature")...)...)
	// Vendor inventory (profiles_inventory.go): JUNIPER-MIB, TIMETRA-CHASSIS-MIB.
	add("1.3.6.1.4.1.2636.3.1.6.1", false, "jnxContainersIndex", "jnxContainersView", "jnxContainersLevel",
		"jnxContainersWithin", "jnxContainersType", "jnxContainersDescr", "jnxContainersCount")
	add("1.3.6.1.4.1.2636.3.1.8.1", false, "jnxContentsContainerIndex", "jnxContentsL1Index",
		"jnxContentsL2Index", "jnxContentsL3Index", "jnxContentsType", "jnxContentsDescr", "jnxContentsSerialNo",
		"jnxContentsRevision", "jnxContentsInstalled", "jnxContentsPartNo", "jnxContentsChassisId",
		"jnxContentsChassisDescr", "jnxContentsChassisCleiCode", "jnxContentsModel")
	add("1.3.6.1.4.1.6527.3.1.2.2.1.8.1", false, "", "", "", "tmnxHwMfgBoardNumber", "tmnxHwSerialNumber", "",
		"tmnxHwClass", "tmnxHwName", "", "", "", "", "tmnxHwContainedIn")
	add("1.3.6.1.4.1.6527.3.1.2.2.1.3.1", false, "", "", "", "tmnxChassisType")
	add("1.3.6.1.4.1.6527.3.1.2.2.1.6.1", false, "", "tmnxChassisTypeName", "tmnxChassisTypeDescription")
	// HH3C-TRANSCEIVER-INFO-MIB hh3cTransceiverInfoTable.
	add("1.3.6.1.4.1.25506.2.70.1.1.1", false, append(make([]string, 8), "hh3cTransceiverCurTXPower", "", "",
		"hh3cTransceiverCurRXPower", "", "", "hh3cTransceiverTemperature", "", "hh3cTransceiverBiasCurrent")...)
	add("1.3.6.1.4.1.2636.3.39.1.12.1.1.1", false, "", "jnxJsSPUMonitoringFPCIndex", "jnxJsSPUMonitoringSPUIndex",
		"jnxJsSPUMonitoringCPUUsage", "jnxJsSPUMonitoringMemoryUsage")
	// Vendor BGP peer tables (profiles_bgp.go).
	add("1.3.6.1.4.1.9.9.187.1.2.5.1", false, "cbgpPeer2Type", "cbgpPeer2RemoteAddr", "cbgpPeer2State",
		"cbgpPeer2AdminStatus", "cbgpPeer2NegotiatedVersion", "cbgpPeer2LocalAddr", "cbgpPeer2LocalPort",
		"cbgpPeer2LocalAs", "cbgpPeer2LocalIdentifier", "cbgpPeer2RemotePort", "cbgpPeer2RemoteAs",
		"cbgpPeer2RemoteIdentifier", "cbgpPeer2InUpdates", "cbgpPeer2OutUpdates", "cbgpPeer2InTotalMessages",
		"cbgpPeer2OutTotalMessages", "cbgpPeer2LastError", "cbgpPeer2FsmEstablishedTransitions",
		"cbgpPeer2FsmEstablishedTime")
	add("1.3.6.1.4.1.30065.4.1.1.2.1", false, "aristaBgp4V2PeerInstance", "aristaBgp4V2PeerLocalAddrType",
		"aristaBgp4V2PeerLocalAddr", "aristaBgp4V2PeerRemoteAddrType", "aristaBgp4V2PeerRemoteAddr",
		"aristaBgp4V2PeerLocalPort", "aristaBgp4V2PeerLocalAs", "aristaBgp4V2PeerLocalIdentifier",
		"aristaBgp4V2PeerRemotePort", "aristaBgp4V2PeerRemoteAs", "aristaBgp4V2PeerRemoteIdentifier",
		"aristaBgp4V2PeerAdminStatus", "aristaBgp4V2PeerState", "aristaBgp4V2PeerDescription")
	add("1.3.6.1.4.1.30065.4.1.1.7.1", false, "aristaBgp4V2PeerInUpdates", "aristaBgp4V2PeerOutUpdates",
		"aristaBgp4V2PeerInTotalMessages", "aristaBgp4V2PeerOutTotalMessages",
		"aristaBgp4V2PeerFsmEstablishedTransitions")
	add("1.3.6.1.4.1.674.11000.5000.200.1.1.2.1", false, "os10bgp4V2PeerInstance", "os10bgp4V2PeerLocalAddrType",
		"os10bgp4V2PeerLocalAddr", "os10bgp4V2PeerRemoteAddrType", "os10bgp4V2PeerRemoteAddr",
		"os10bgp4V2PeerLocalPort", "os10bgp4V2PeerLocalAs", "os10bgp4V2PeerLocalIdentifier",
		"os10bgp4V2PeerRemotePort", "os10bgp4V2PeerRemoteAs", "os10bgp4V2PeerRemoteIdentifier",
		"os10bgp4V2PeerAdminStatus", "os10bgp4V2PeerState", "os10bgp4V2PeerDescription")
	add("1.3.6.1.4.1.674.11000.5000.200.1.1.7.1", false, "os10bgp4V2PeerInUpdates", "os10bgp4V2PeerOutUpdates",
		"os10bgp4V2PeerInTotalMessages", "os10bgp4V2PeerOutTotalMessages",
		"os10bgp4V2PeerFsmEstablishedTransitions")
	add("1.3.6.1.4.1.2636.5.1.1.2.1.1.1", false, "jnxBgpM2PeerIdentifier", "jnxBgpM2PeerState",
		"jnxBgpM2PeerStatus", "jnxBgpM2PeerConfiguredVersion", "jnxBgpM2PeerNegotiatedVersion",
		"jnxBgpM2PeerLocalAddrType", "jnxBgpM2PeerLocalAddr", "jnxBgpM2PeerLocalPort", "jnxBgpM2PeerLocalAs",
		"jnxBgpM2PeerRemoteAddrType", "jnxBgpM2PeerRemoteAddr", "jnxBgpM2PeerRemotePort", "jnxBgpM2PeerRemoteAs")
	add("1.3.6.1.4.1.2636.5.1.1.2.6.1.1", false, "jnxBgpM2PeerInUpdates", "jnxBgpM2PeerOutUpdates",
		"jnxBgpM2PeerInTotalMessages", "jnxBgpM2PeerOutTotalMessages")
	add("1.3.6.1.4.1.6527.3.1.2.14.4.7.1", false, append(make([]string, 64), "tBgpPeerNgLocalAS4Byte", "tBgpPeerNgPeerAS4Byte")...)
	add("1.3.6.1.4.1.6527.3.1.2.14.4.8.1", false, append(make([]string, 10), "tBgpPeerNgConnState")...)
	add("1.3.6.1.4.1.6527.3.1.2.3.1.1", false, "", "", "", "vRtrName")
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
