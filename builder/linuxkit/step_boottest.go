package linuxkit

import (
	"context"
	"errors"
	"fmt"

	"path/filepath"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// stepBootTest boots each output boot_test names in QEMU and waits for the
// expected console line. Each console is saved as
// <name>-boot-<format>.log: in the output directory, listed among the
// artifact's files, when the boot passes; beside the output directory when
// it fails, since the failed build removes that directory.
type stepBootTest struct {
	name string
	arch string
	cfg  *BootTestConfig
}

func (s *stepBootTest) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	out := state.Get(stateOutputs).(*outputs)
	times := map[string]string{}
	for _, format := range s.cfg.Formats {
		opts, err := s.options(state, format)
		if err != nil {
			return halt(state, fmt.Errorf("boot_test %s: %w", format, err))
		}
		ui.Say(fmt.Sprintf("boot_test: booting %s in QEMU, waiting up to %s for %q", format, s.cfg.timeout, s.cfg.Expect))
		res, err := boottest.Run(ctx, opts, s.cfg.expect, s.cfg.timeout)
		var failure *boottest.Failure
		if err != nil && !errors.As(err, &failure) { // QEMU did not start: a missing part, a bad option
			return halt(state, fmt.Errorf("boot_test %s: %w", format, err))
		}
		logName := s.name + "-boot-" + format + ".log"
		logPath := filepath.Join(out.dir, logName)
		if err != nil {
			logPath = filepath.Join(filepath.Dir(filepath.Clean(out.dir)), logName)
		}
		if werr := writeFileAtomic(logPath, []byte(res.Console)); werr != nil {
			return halt(state, fmt.Errorf("boot_test %s: saving the console: %w", format, werr))
		}
		if err != nil {
			return halt(state, fmt.Errorf("boot_test %s failed (%s, accel %s); the whole console is in %s: %w", format, filepath.Base(out.formats[format]), res.Accel, logPath, err))
		}
		out.add("", logPath, false)
		d := res.Duration.Round(100 * time.Millisecond)
		times[format] = d.String()
		ui.Say(fmt.Sprintf("boot_test: %s matched %q after %s (accel %s)", format, s.cfg.Expect, d, res.Accel))
	}
	state.Put(stateBootTests, times)
	return multistep.ActionContinue
}

// options returns how QEMU boots format's output.
func (s *stepBootTest) options(state multistep.StateBag, format string) (boottest.Options, error) {
	var opts boottest.Options
	if format == FormatKernelInitrd {
		ki := state.Get(stateKernelInitrd).(kernelInitrd)
		fw, err := boottest.FirmwareFor(format, s.arch)
		if err != nil {
			return opts, err
		}
		opts = boottest.Options{Kernel: ki.kernel, Initrd: ki.initrd, Append: state.Get(statePlan).(*rootfs.Plan).Cmdline(), Firmware: fw}
	} else {
		path, ok := state.Get(stateOutputs).(*outputs).formats[format]
		if !ok {
			return opts, fmt.Errorf("internal error: no %s output was written", format)
		}
		var err error
		if opts, err = boottest.Medium(format, s.arch, path); err != nil {
			return opts, err
		}
	}
	opts.MemoryMB = s.cfg.memoryMB
	opts.Binary = s.cfg.QEMUBinary
	opts.FirmwareDirs = s.cfg.FirmwareDirs
	opts.Accel = s.cfg.Accel
	return opts, nil
}

func (s *stepBootTest) Cleanup(multistep.StateBag) {}
