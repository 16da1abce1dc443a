package rootfs

import (
	"archive/tar"
	"bytes"
	"fmt"
)

// LinuxKit's "init flattening" rules, applied to every image it unpacks
// (init, volumes, bundles). They come from Docker export, which always showed
// these files; LinuxKit keeps the result stable.
const (
	// resolvConfSymlink is where etc/resolv.conf points in init and volume
	// images, somewhere writable at run time.
	resolvConfSymlink = "/run/resolvconf/resolv.conf"
	noResolvConf      = "\n# no resolv.conf configured\n"
	hostsFile         = `127.0.0.1       localhost
::1     localhost ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`
)

// excluded paths are dropped from every image.
var excluded = []string{".dockerenv", "Dockerfile", "dev/console", "dev/pts", "dev/shm", "etc/hostname"}

// touched paths must exist. LinuxKit writes etc/hosts, etc/resolv.conf,
// dev/pts and dev/shm after the image in any case (the image's copies are
// replaced or excluded), so those always take the template; the others keep
// the image's entry, with our mtime.
var touched = []struct {
	path   string
	always bool
	node   node
}{
	{"dev", false, node{typ: tar.TypeDir, mode: 0755}},
	{"dev/pts", true, node{typ: tar.TypeDir, mode: 0755}},
	{"dev/shm", true, node{typ: tar.TypeDir, mode: 0755}},
	{"etc", false, node{typ: tar.TypeDir, mode: 0755}},
	{"etc/hosts", true, node{typ: tar.TypeReg, mode: 0644}},
	{"etc/mtab", false, node{typ: tar.TypeSymlink, mode: 0755, link: "/proc/mounts"}},
	{"etc/resolv.conf", true, node{typ: tar.TypeReg, mode: 0644}},
	{"proc", false, node{typ: tar.TypeDir, mode: 0755}},
	{"sys", false, node{typ: tar.TypeDir, mode: 0755}},
}

// fixup applies the exclude, replace and touch rules to a flattened image.
// resolvSymlink selects the init/volume form of etc/resolv.conf (a symlink
// to /run/resolvconf/resolv.conf) over the bundle form (a comment).
func fixup(t *tree, resolvSymlink bool) error {
	for _, p := range excluded {
		comps, _ := splitClean(p)
		r := resolver{t: t}
		if dir, name, err := r.parent(comps); err == nil {
			delete(dir.kids, name)
		}
	}
	for _, tc := range touched {
		comps, _ := splitClean(tc.path)
		r := resolver{t: t, create: true}
		dir, name, err := r.parent(comps)
		if err != nil {
			return fmt.Errorf("creating %s: %w", tc.path, err)
		}
		if old := dir.kids[name]; old != nil && !tc.always {
			old.mtime = t.mtime
			continue
		}
		n := tc.node.clone(name)
		n.mtime = t.mtime
		switch {
		case tc.path == "etc/hosts":
			n.ino = dataInode([]byte(hostsFile))
		case tc.path == "etc/resolv.conf" && resolvSymlink:
			n.typ, n.link = tar.TypeSymlink, resolvConfSymlink
		case tc.path == "etc/resolv.conf":
			n.ino = dataInode([]byte(noResolvConf))
		}
		if err := t.count(); err != nil {
			return err
		}
		place(dir, n)
	}
	return nil
}

// dataInode holds generated contents (a copy of b).
func dataInode(b []byte) *inode {
	b = bytes.Clone(b)
	if b == nil {
		b = []byte{}
	}
	return &inode{size: int64(len(b)), layer: -1, data: b}
}

// apkDatabase returns the bytes of an init image's apk database, if it has
// one (nil otherwise).
func apkDatabase(t *tree) []byte {
	comps, _ := splitClean(apkDB)
	if n := literal(t.root, comps); n != nil && n.typ == tar.TypeReg && n.ino.data != nil {
		return n.ino.data
	}
	return nil
}

// unionAPK writes the union of the init images' apk databases when more
// than one has one, as LinuxKit does: each followed by a blank line, so apk
// on the running system sees every package that init installed.
func unionAPK(g *tree, dbs [][]byte) error {
	if len(dbs) < 2 {
		return nil
	}
	var b bytes.Buffer
	for _, db := range dbs {
		b.Write(db)
		b.WriteString("\n\n")
	}
	comps, _ := splitClean(apkDB)
	r := resolver{t: g, create: true}
	dir, name, err := r.parent(comps)
	if err != nil {
		return fmt.Errorf("apk database: %w", err)
	}
	place(dir, &node{name: name, typ: tar.TypeReg, mode: 0644, mtime: g.mtime, ino: dataInode(b.Bytes())})
	return g.count()
}
