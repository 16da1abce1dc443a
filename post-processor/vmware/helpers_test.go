package vmware_test

import (
	"maps"
)

// fusion is a fusion configuration with extra options.
func fusion(extra map[string]interface{}) map[string]interface{} {
	m := map[string]interface{}{"target": "fusion"}
	maps.Copy(m, extra)
	return m
}
