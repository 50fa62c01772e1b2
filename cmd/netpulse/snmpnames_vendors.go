package main

// addVendorMIBNames names the vendor MIB objects the device profiles read.
func addVendorMIBNames(add func(base string, scalar bool, names ...string)) {
}
