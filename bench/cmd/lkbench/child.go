package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/initrd"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/kernelinitrd"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// benchCmdline is the kernel command line of the benchmarked boot media.
const benchCmdline = "console=ttyS0"

// childOps are our operations, each run in a child process (`lkbench run
// OP ARGS...`) so its peak RSS is its own. Each writes its output file and
// nothing else.
var childOps = map[string]struct {
	args int
	run  func(a []string) error
}{
	// initrd IN.tar OUT: the tar stream → newc cpio → parallel gzip.
	"initrd": {2, func(a []string) error {
		in, err := os.Open(a[0])
		if err != nil {
			return err
		}
		defer in.Close()
		return create(a[1], func(f *os.File) error { return initrd.Write(f, in, initrd.DefaultOptions()) })
	}},
	// initrd-tuned LEVEL BLOCK IN.tar OUT: the same with another gzip level and block size
	// (bytes), for the table the defaults were chosen from; LEVEL "fast" is Options.Fast
	// (initrd_compression = "speed").
	"initrd-tuned": {4, func(a []string) error {
		o := initrd.DefaultOptions()
		var err error
		if a[0] == "fast" {
			o.Fast = true
		} else if o.Level, err = strconv.Atoi(a[0]); err != nil {
			return fmt.Errorf("level: %w", err)
		}
		if o.BlockSize, err = strconv.Atoi(a[1]); err != nil {
			return fmt.Errorf("block size: %w", err)
		}
		in, err := os.Open(a[2])
		if err != nil {
			return err
		}
		defer in.Close()
		return create(a[3], func(f *os.File) error { return initrd.Write(f, in, o) })
	}},
	// layout IN.tar DIR: an OCI layout at DIR of one image whose one layer is IN.tar (setup
	// for flat-tar and flat-initrd on a real tree).
	"layout": {2, func(a []string) error { return tarLayout(a[1], a[0]) }},
	// iso KERNEL INITRD OUT: an iso-bios image.
	"iso": {3, func(a []string) error {
		k, i, opts, err := mediaInputs(a[0], a[1])
		if err != nil {
			return err
		}
		return create(a[2], func(f *os.File) error { return media.WriteISOBIOS(f, k, i, opts) })
	}},
	// raw KERNEL INITRD OUT SIZE: a raw-bios disk of SIZE bytes.
	"raw": {4, func(a []string) error {
		k, i, opts, err := mediaInputs(a[0], a[1])
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(a[3], 10, 64)
		if err != nil {
			return fmt.Errorf("disk size: %w", err)
		}
		return create(a[2], func(f *os.File) error {
			return media.WriteRawBIOS(f, k, i, media.RawOptions{ISOOptions: opts, DiskSize: size})
		})
	}},
	// raw-efi KERNEL INITRD OUT: a raw-efi disk of the default size.
	"raw-efi": {3, func(a []string) error {
		k, i, opts, err := efiInputs(a[0], a[1])
		if err != nil {
			return err
		}
		return create(a[2], func(f *os.File) error { return media.WriteRawEFI(f, k, i, opts) })
	}},
	// iso-efi KERNEL INITRD OUT: an iso-efi image (El Torito EFI entry, GPT over the ESP).
	"iso-efi": {3, func(a []string) error {
		k, i, opts, err := efiInputs(a[0], a[1])
		if err != nil {
			return err
		}
		return create(a[2], func(f *os.File) error { return media.WriteISOEFI(f, k, i, opts) })
	}},
	// vmdk sparse|stream RAW OUT: a raw disk → monolithicSparse or streamOptimized.
	"vmdk": {3, func(a []string) error {
		in, err := os.Open(a[1])
		if err != nil {
			return err
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil {
			return err
		}
		opts := vmdk.Options{Compressed: a[0] == "stream"}
		return create(a[2], func(f *os.File) error { return vmdk.Write(f, in, fi.Size(), opts) })
	}},
	// pull CACHE REFS: internal/image's Store.Pull, as resolving a build's spec calls it, of
	// the comma-separated references into the image cache CACHE; their registries are
	// reached over plain HTTP (insecure_registries).
	"pull": {2, func(a []string) error { return pull(a[0], strings.Split(a[1], ",")) }},
	// flat-tar LAYOUT OUT: the rootfs tar of a plan whose init is the layout's image.
	"flat-tar": {2, func(a []string) error {
		p, err := flatPlan(a[0])
		if err != nil {
			return err
		}
		return create(a[1], func(f *os.File) error { return rootfs.Write(context.Background(), f, p) })
	}},
	// flat-initrd LAYOUT OUT: the same plan's initrd (rootfs tar → cpio → gzip, streamed).
	"flat-initrd": {2, func(a []string) error {
		p, err := flatPlan(a[0])
		if err != nil {
			return err
		}
		ctx := context.Background()
		t, err := rootfs.Index(ctx, p)
		if err != nil {
			return err
		}
		return create(a[1], func(f *os.File) error { return kernelinitrd.WriteInitrd(ctx, f, t, p) })
	}},
}

// runChild runs one of childOps with its arguments.
func runChild(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("run: missing operation")
	}
	op, ok := childOps[args[0]]
	if !ok {
		return fmt.Errorf("run: unknown operation %q", args[0])
	}
	if len(args)-1 != op.args {
		return fmt.Errorf("run %s: want %d arguments, got %d", args[0], op.args, len(args)-1)
	}
	stop, err := startProfile()
	if err != nil {
		return err
	}
	err = op.run(args[1:])
	if perr := stop(); err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", args[0], err)
	}
	return nil
}

// profileEnv names the file a child writes its CPU profile to (`go tool pprof`), when set:
// how the bench finds where an operation spends its time. Production code has no such hook.
const profileEnv = "LKBENCH_CPUPROFILE"

// startProfile starts the CPU profile profileEnv asks for and returns what stops it.
func startProfile() (stop func() error, err error) {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// create writes path with write and closes it, as the builder does.
func create(path string, write func(f *os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mediaFiles describes the kernel and initrd files.
func mediaFiles(kernel, initrdPath string) (media.ISOFile, media.ISOFile, error) {
	k, err := media.FileFromPath(kernel)
	if err != nil {
		return k, k, err
	}
	i, err := media.FileFromPath(initrdPath)
	return k, i, err
}

// mediaInputs describes the kernel and initrd files and finds the host's
// syslinux boot files, as the builder does for iso-bios and raw-bios.
func mediaInputs(kernel, initrdPath string) (media.ISOFile, media.ISOFile, media.ISOOptions, error) {
	k, i, err := mediaFiles(kernel, initrdPath)
	if err != nil {
		return k, i, media.ISOOptions{}, err
	}
	boot, err := media.FindBootFiles("", nil)
	if err != nil {
		return k, i, media.ISOOptions{}, err
	}
	return k, i, media.ISOOptions{Boot: boot, Cmdline: benchCmdline}, nil
}

// flatPlan is a plan with the layout's image as its only init image.
func flatPlan(dir string) (*rootfs.Plan, error) {
	img, err := openLayoutImage(dir)
	if err != nil {
		return nil, err
	}
	return &rootfs.Plan{Init: []v1.Image{img}}, nil
}

// pull opens the image store on cache with the default options, every
// registry of refs listed as insecure, and pulls refs.
func pull(cache string, refs []string) error {
	var hosts []string
	for _, r := range refs {
		host, _, _ := strings.Cut(r, "/")
		hosts = append(hosts, host)
	}
	store, err := image.New(image.Options{CacheDir: cache, Insecure: hosts})
	if err != nil {
		return err
	}
	_, err = store.Pull(context.Background(), refs)
	return err
}
