package vmware_test

import "github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"

// fusion is a fusion configuration with extra options.
func fusion(extra map[string]interface{}) map[string]interface{} {
	return vmwaretest.With(map[string]interface{}{"target": "fusion"}, extra)
}
