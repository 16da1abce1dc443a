package linuxkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/version"
)

// buildRecordName is the file in the output directory that records a
// finished build: the digest of its inputs, its artifact and the sha256 of
// every output. `packer build -force` of the same inputs keeps the outputs
// when each one still has its recorded sum (reuse_outputs).
const buildRecordName = ".packer-linuxkit-build.json"

// buildRecordVersion changes whenever buildRecord or the key changes meaning.
const buildRecordVersion = 2

// buildRecord is the content of buildRecordName.
type buildRecord struct {
	Version  int               `json:"version"`
	Key      string            `json:"key"`
	Artifact *Artifact         `json:"artifact"`
	Sums     map[string]string `json:"sums"` // every path of Artifact.Paths → its sha256
}

// maxBuildRecord bounds the build record read back.
const maxBuildRecord = 16 << 20

// inputsKey digests everything a build's outputs are made from: the plugin
// binary (its version, path, size and modification time, so a rebuilt
// plugin never reuses), the builder's configuration as Prepare decoded it
// (every option, defaults applied, interpolation done; packer's own
// settings such as -force and -on-error left out), SOURCE_DATE_EPOCH, the
// pinned spec (its digest covers every image digest and every source file's
// contents) and the boot files' sums.
func inputsKey(c *Config, r *resolve.Resolved, boot map[string]string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the plugin binary: %w", err)
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", fmt.Errorf("the plugin binary: %w", err)
	}
	cfg := *c
	cfg.PackerConfig = common.PackerConfig{}
	b, err := json.Marshal(map[string]interface{}{
		"version":           buildRecordVersion,
		"plugin":            []interface{}{version.PluginVersion.FormattedVersion(), exe, fi.Size(), fi.ModTime().UnixNano()},
		"config":            cfg,
		"source_date_epoch": os.Getenv("SOURCE_DATE_EPOCH"),
		"spec_digest":       r.Digest,
		"images":            r.Images,
		"boot_files":        boot,
	})
	if err != nil {
		return "", fmt.Errorf("digesting the configuration: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// reuseOn reports whether a build may keep a previous build's outputs:
// reuse_outputs (default true), and no boot_test, which is a gate and runs
// on every build.
func reuseOn(c *Config) bool {
	return (c.ReuseOutputs == nil || *c.ReuseOutputs) && c.BootTest == nil
}

// bootSums are the sums of the boot files the build found (BIOS and EFI).
func bootSums(state multistep.StateBag) map[string]string {
	m := map[string]string{}
	if v, ok := state.GetOk(stateBootFiles); ok {
		maps.Copy(m, v.(media.BootFiles).Sums())
	}
	if v, ok := state.GetOk(stateEFIStub); ok {
		maps.Copy(m, v.(media.EFIStub).Sums())
	}
	return m
}

// reusable returns the artifact recorded in dir when it was built from key
// and every output still has its recorded sum; otherwise nil and why not
// ("" when dir holds no record at all).
func reusable(ctx context.Context, dir, key string) (*Artifact, string, error) {
	f, err := safeio.OpenRegular(filepath.Join(dir, buildRecordName), "build record")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxBuildRecord+1))
	_ = f.Close()
	if err != nil {
		return nil, "", fmt.Errorf("reading the build record: %w", err)
	}
	var rec buildRecord
	switch {
	case len(b) > maxBuildRecord || json.Unmarshal(b, &rec) != nil || rec.Artifact == nil:
		return nil, "the build record cannot be read", nil
	case rec.Version != buildRecordVersion:
		return nil, "the build record is from another version", nil
	case rec.Key != key:
		return nil, "the spec, the options, the boot files or the plugin changed", nil
	}
	a := rec.Artifact
	clean := filepath.Clean(dir)
	if filepath.Clean(a.Dir) != clean || len(rec.Sums) != len(a.Paths) {
		return nil, "the build record does not match the folder", nil
	}
	listed := map[string]bool{}
	for _, p := range a.Paths {
		if filepath.Clean(filepath.Dir(p)) != clean {
			return nil, "the build record names a file outside the folder", nil
		}
		listed[p] = true
	}
	for _, p := range a.Formats {
		if !listed[p] {
			return nil, "the build record names a format file it does not list", nil
		}
	}
	for _, p := range a.Paths {
		sum, err := fileSHA256(ctx, p)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			return nil, filepath.Base(p) + " is missing or unreadable", nil
		}
		if sum != rec.Sums[p] {
			return nil, filepath.Base(p) + " changed since it was written", nil
		}
	}
	return a, "", nil
}

// writeBuildRecord records a finished build in its output directory. sums
// holds the outputs already summed (the checksums step's); the others are
// summed here.
func writeBuildRecord(ctx context.Context, key string, a *Artifact, sums map[string]string) error {
	rec := buildRecord{Version: buildRecordVersion, Key: key, Artifact: a, Sums: map[string]string{}}
	for _, p := range a.Paths {
		sum, ok := sums[p]
		if !ok {
			var err error
			if sum, err = fileSHA256(ctx, p); err != nil {
				return err
			}
		}
		rec.Sums[p] = sum
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the build record: %w", err)
	}
	return safeio.WriteFile(filepath.Join(a.Dir, buildRecordName), func(f *os.File) error {
		_, err := f.Write(append(b, '\n'))
		return err
	})
}

// unlessReused runs its step only when the build does not keep a previous
// build's outputs (stateReused unset), so the step list stays one list.
type unlessReused struct {
	multistep.Step
	ran bool
}

func (s *unlessReused) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if _, ok := state.GetOk(stateReused); ok {
		return multistep.ActionContinue
	}
	s.ran = true
	return s.Step.Run(ctx, state)
}

func (s *unlessReused) Cleanup(state multistep.StateBag) {
	if s.ran {
		s.Step.Cleanup(state)
	}
}

// unlessReusedAll wraps each step in unlessReused.
func unlessReusedAll(steps []multistep.Step) []multistep.Step {
	out := make([]multistep.Step, len(steps))
	for i, s := range steps {
		out[i] = &unlessReused{Step: s}
	}
	return out
}
