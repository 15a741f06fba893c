package testenv

import "reflect"

// UncoveredMethods returns the exported methods of typ that calls has no
// entry for, so that a table test over an object's methods can check that
// it covers every one of them.
func UncoveredMethods[V any](typ reflect.Type, calls map[string]V) []string {
	var out []string
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if _, ok := calls[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}
