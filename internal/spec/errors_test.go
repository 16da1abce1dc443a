package spec

import (
	"errors"
	"strings"
	"testing"
)

// TestParseErrors checks that each kind of bad input is reported with the
// file, line, column, field path and a useful message.
func TestParseErrors(t *testing.T) {
	const svc = "services:\n  - name: web\n    image: nginx:1.27\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"empty", "", []string{"bad.yml: empty document"}},
		{"comments only", "# hi\n", []string{"bad.yml: empty document"}},
		{"null document", "---\n~\n", []string{"bad.yml:2:1: empty document"}},
		{"root list", "- a\n- b\n", []string{"bad.yml:1:1: the document must be a mapping of top-level keys", "got a list"}},
		{"root scalar", "hello\n", []string{"bad.yml:1:1: the document must be a mapping", `got the string "hello"`}},
		{"two documents", "init: []\n---\ninit: []\n", []string{"bad.yml:2:1: more than one YAML document"}},
		{"syntax: tab", "services:\n\t- name: x\n", []string{"bad.yml:2: invalid YAML: found character that cannot start any token"}},
		{"syntax: unclosed flow", "init: [a, b\nonboot: []\n", []string{"bad.yml:", "invalid YAML:"}},
		{"unknown top-level key", "servces: []\n", []string{`bad.yml:1:1: servces: unknown key "servces" (did you mean "services"?)`}},
		{"unknown image key", svc + "    capabilites: [all]\n", []string{`bad.yml:4:5: services[0].capabilites: unknown key "capabilites" (did you mean "capabilities"?)`}},
		{"unknown key no suggestion", svc + "    frobnicate: 1\n", []string{`bad.yml:4:5: services[0].frobnicate: unknown key "frobnicate"`}},
		{"repeated key", svc + "    net: host\n    net: new\n", []string{`bad.yml:5:5: services[0].net: key "net" is repeated (first at line 4)`}},
		{"string for list", svc + "    command: /bin/sh\n", []string{`bad.yml:4:14: services[0].command: expected a list of strings, got the string "/bin/sh"`}},
		{"list for string", svc + "    cwd: [/a]\n", []string{`bad.yml:4:10: services[0].cwd: expected a string, got a list`}},
		{"mapping for list", "init:\n  a: b\n", []string{`bad.yml:2:3: init: expected a list of strings, got a mapping`}},
		{"integer for string", svc + "    hostname: 1234\n", []string{`bad.yml:4:15: services[0].hostname: expected a string, got the integer 1234 (quote it: "1234")`}},
		{"string for bool", svc + "    readonly: yes\n", []string{`bad.yml:4:15: services[0].readonly: expected a boolean (true or false), got the string "yes"`}},
		{"string for int", svc + "    oomScoreAdj: high\n", []string{`bad.yml:4:18: services[0].oomScoreAdj: expected an integer, got the string "high"`}},
		{"null section", "onboot:\n", []string{`bad.yml:1:8: onboot: expected a list, got null`}},
		{"null field", svc + "    capabilities:\n", []string{`bad.yml:4:18: services[0].capabilities: expected a list of strings, got null`}},
		{"list item not a mapping", "onboot:\n  - busybox\n", []string{`bad.yml:2:5: onboot[0]: expected a mapping, got the string "busybox"`}},
		{"missing name", "onboot:\n  - image: busybox\n", []string{`bad.yml:2:5: onboot[0]: missing required key "name"`}},
		{"missing image", "onboot:\n  - name: x\n", []string{`bad.yml:2:5: onboot[0]: missing required key "image"`}},
		{"empty name", "onboot:\n  - name: \"\"\n    image: busybox\n", []string{`bad.yml:2:11: onboot[0].name: container name must not be empty`}},
		{"bad name", "onboot:\n  - name: My.Box\n    image: busybox\n", []string{`bad.yml:2:11: onboot[0].name: invalid container name "My.Box"`}},
		{"duplicate service", svc + "  - name: web\n    image: nginx\n", []string{`bad.yml:4:11: services[1].name: duplicate service name "web" (first at services[0], line 2)`}},
		{"bad image reference", "onboot:\n  - name: x\n    image: \"busy box\"\n", []string{`bad.yml:3:12: onboot[0].image: invalid image reference "busy box"`}},
		{"bad kernel reference", "kernel:\n  image: Linuxkit/Kernel\n", []string{`bad.yml:2:10: kernel.image: invalid image reference "Linuxkit/Kernel": repository names must be lower case`}},
		{"unknown capability", svc + "    capabilities: [CAP_SYS_ADMIN, SYS_TIME]\n", []string{`bad.yml:4:35: services[0].capabilities[1]: unknown capability "SYS_TIME" (did you mean "CAP_SYS_TIME"?)`}},
		{"all among others", svc + "    capabilities.add: [CAP_SYS_ADMIN, all]\n", []string{`services[0].capabilities.add[1]: unknown capability "all" ("all" is only valid as the only entry of the list)`}},
		{"unknown ambient", svc + "    ambient: [CAP_NET_ADMN]\n", []string{`bad.yml:4:15: services[0].ambient[0]: unknown capability "CAP_NET_ADMN" (did you mean "CAP_NET_ADMIN"?)`}},
		{"unknown rlimit", svc + "    rlimits: [\"nofle,1,2\"]\n", []string{`bad.yml:4:15: services[0].rlimits[0]: unknown limit "nofle" (did you mean "RLIMIT_NOFILE"?)`}},
		{"rlimit format", svc + "    rlimits: [\"nofile,1\"]\n", []string{`services[0].rlimits[0]: cannot parse rlimit "nofile,1"`}},
		{"rlimit number", svc + "    rlimits: [\"nofile,many,2\"]\n", []string{`services[0].rlimits[0]: cannot parse limit "many"`}},
		{"bind without colon", svc + "    binds: [/var]\n", []string{`bad.yml:4:13: services[0].binds[0]: cannot parse bind "/var": missing ':'`}},
		{"bind too many colons", svc + "    binds.add: [/a:/b:ro:x]\n", []string{`services[0].binds.add[0]: cannot parse bind "/a:/b:ro:x": too many ':'`}},
		{"tmpfs too many colons", svc + "    tmpfs: [/a:b:c]\n", []string{`services[0].tmpfs[0]: cannot parse tmpfs "/a:b:c": too many ':'`}},
		{"mount without type", svc + "    mounts:\n      - destination: /x\n        source: /y\n", []string{`bad.yml:5:9: services[0].mounts[0]: mount for destination "/x" is missing type`}},
		{"mount unknown key", svc + "    mounts:\n      - destinaton: /x\n", []string{`bad.yml:5:9: services[0].mounts[0].destinaton: unknown key "destinaton" (did you mean "destination"?)`}},
		{"device without mode", svc + "    devices:\n      - path: /dev/fuse\n        type: c\n        major: 10\n        minor: 229\n", []string{`bad.yml:5:9: services[0].devices[0]: device /dev/fuse: mode "" is not an octal permission string`}},
		{"device bad type", svc + "    devices:\n      - path: all\n        type: x\n", []string{`services[0].devices[0]: device type "x" for path "all" must be "a", "b" or "c"`}},
		{"bad net", svc + "    net: bridge\n", []string{`bad.yml:4:10: services[0].net: net "bridge" must be "host", "new", "none" or a path`}},
		{"none pid", svc + "    pid: none\n", []string{`bad.yml:4:10: services[0].pid: pid "none" must be "host", "new" or a path`}},
		{"relative cwd", svc + "    cwd: srv\n", []string{`services[0].cwd: cwd "srv" must be an absolute path`}},
		{"oom range", svc + "    oomScoreAdj: 5000\n", []string{`services[0].oomScoreAdj: oomScoreAdj 5000 is out of range`}},
		{"negative uid", svc + "    uid: -1\n", []string{`bad.yml:4:10: services[0].uid: id -1 is out of range`}},
		{"bool uid", svc + "    gid: true\n", []string{`services[0].gid: expected a user or group (a number or a name), got the boolean true`}},
		{"resources unknown key", svc + "    resources:\n      memory:\n        limitt: 5\n", []string{`bad.yml:6:9: services[0].resources.memory.limitt: unknown key "limitt" (did you mean "limit"?)`}},
		{"resources negative uint", svc + "    resources:\n      cpu:\n        shares: -5\n", []string{`services[0].resources.cpu.shares: -5 is not a non-negative integer`}},
		{"runtime interface name", svc + "    runtime:\n      interfaces:\n        - add: veth\n", []string{`bad.yml:6:11: services[0].runtime.interfaces[0]: interface name is required`}},
		{"runtime bindNS relative", svc + "    runtime:\n      bindNS:\n        net: run/netns/x\n", []string{`services[0].runtime.bindNS.net: bindNS path "run/netns/x" must be absolute`}},
		{"sysctl not a map", svc + "    sysctl: [a]\n", []string{`services[0].sysctl: expected a mapping of strings, got a list`}},
		{"sysctl number", svc + "    sysctl:\n      net.ipv4.ip_forward: 1\n", []string{`bad.yml:5:28: services[0].sysctl["net.ipv4.ip_forward"]: expected a string, got the integer 1 (quote it: "1")`}},
		{"file without path", "files:\n  - contents: x\n", []string{`bad.yml:2:5: files[0]: file path is required`}},
		{"file without content", "files:\n  - path: etc/x\n", []string{`bad.yml:2:5: files[0]: contents of file "etc/x" not specified`}},
		{"file contents and source", "files:\n  - path: a\n    contents: x\n    source: y\n", []string{`bad.yml:4:13: files[0].source: file "a" sets both contents and source`}},
		{"file directory and symlink", "files:\n  - path: a\n    directory: true\n    symlink: /b\n", []string{`files[0].directory: file "a" sets both symlink and directory`}},
		{"file metadata xml", "files:\n  - path: a\n    metadata: xml\n", []string{`bad.yml:3:15: files[0].metadata: unsupported metadata type "xml"`}},
		{"file bad octal", "files:\n  - path: a\n    contents: x\n    mode: \"0789\"\n", []string{`bad.yml:4:11: files[0].mode: mode "0789" is not an octal permission string`}},
		{"file unquoted mode", "files:\n  - path: a\n    contents: x\n    mode: 0600\n", []string{`bad.yml:4:11: files[0].mode: expected a string, got the integer 0600 (quote it: "0600")`}},
		{"file optional without source", "files:\n  - path: a\n    contents: x\n    optional: true\n", []string{`bad.yml:4:15: files[0].optional: optional only applies to a file with a source`}},
		{"volume bad name", "volumes:\n  - name: Data\n", []string{`bad.yml:2:11: volumes[0].name: invalid volume name "Data"`}},
		{"volume duplicate", "volumes:\n  - name: d\n  - name: d\n", []string{`bad.yml:3:11: volumes[1].name: duplicate volume name "d" (first at volumes[0], line 2)`}},
		{"volume format", "volumes:\n  - name: d\n    format: tar\n", []string{`bad.yml:3:13: volumes[0].format: volume format "tar" must be "oci" or "filesystem"`}},
		{"volume platform", "volumes:\n  - name: d\n    image: alpine\n    format: oci\n    platforms: [\"\"]\n", []string{`volumes[0].platforms[0]: invalid platform ""`}},
		{"kernel type", "kernel:\n  image: linuxkit/kernel:6.6\n  tar: 1\n", []string{`bad.yml:3:8: kernel.tar: expected a string, got the integer 1`}},
		{"trust shape", "trust:\n  org: linuxkit\n", []string{`bad.yml:2:8: trust.org: expected a list of strings`}},
		{"alias cycle", "init: &a\n  - *a\n", []string{`bad.yml:1:7: init[0]: expected a string, got a list`}},
		{"unknown alias in merge", "onboot:\n  - <<: [1]\n", []string{`merge key list must hold mappings`}},
		{"non-scalar key", "? [a]\n: b\n", []string{`bad.yml:1:3: mapping keys must be plain strings, got a list`}},
		{"custom tag", "init: [!foo bar]\n", []string{`bad.yml:1:8: init[0]: unsupported tag !foo`}},
		{"many errors at once", svc + "    net: bad\n    pid: bad\n    capabilities: [X]\n", []string{"4:10: services[0].net", "5:10: services[0].pid", "6:20: services[0].capabilities[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("bad.yml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("accepted: %+v", s)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Errorf("error is %T, want a non-empty ErrorList", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\ndoes not contain:\n%s", err, w)
				}
			}
		})
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n")
	b.WriteString("ma: &ma {k0: 1, k1: 1, k2: 1}\n")
	prev, prevMap := "a", "ma"
	for _, c := range "bcdefghi" {
		name, mname := string(c), "m"+string(c)
		b.WriteString(name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n")
		b.WriteString(mname + ": &" + mname + " {<<: [" + strings.Repeat("*"+prevMap+",", 9) + "*" + prevMap + "]}\n")
		prev, prevMap = name, mname
	}
	bomb := b.String()
	for _, tail := range []string{
		"init: *i\n",
		"onboot:\n  - name: x\n    image: y\n    command: *i\n",
		"onboot:\n  - <<: *mi\n    name: x\n    image: y\n",
		"onboot:\n  - name: x\n    image: y\n    sysctl: *mi\n",
	} {
		_, err := Parse("bomb.yml", []byte(bomb+tail))
		if err == nil {
			t.Fatalf("accepted:\n%s", tail)
		}
	}
	_, err := Parse("bomb.yml", []byte(bomb+"onboot:\n  - <<: *mi\n    name: x\n    image: y\n"))
	if !strings.Contains(err.Error(), "alias bomb") {
		t.Errorf("merge-key bomb not reported: %.300s", err)
	}
}

func TestErrorFormatting(t *testing.T) {
	cases := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yml", Line: 3, Column: 5, Path: "services[2].capabilities[0]", Msg: "bad"}, "a.yml:3:5: services[2].capabilities[0]: bad"},
		{Error{File: "a.yml", Line: 3, Msg: "bad"}, "a.yml:3: bad"},
		{Error{File: "a.yml", Msg: "bad"}, "a.yml: bad"},
		{Error{Line: 1, Column: 2, Msg: "bad"}, "<spec>:1:2: bad"},
		{Error{Path: "x", Msg: "bad"}, "x: bad"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.e, got, c.want)
		}
	}
	l := ErrorList{{File: "b", Line: 2, Msg: "two"}, {File: "a", Line: 9, Msg: "one"}, {File: "b", Line: 2, Msg: "two"}}
	if got := l.sort().Error(); got != "a:9: one\nb:2: two" {
		t.Errorf("sorted list = %q", got)
	}
}
