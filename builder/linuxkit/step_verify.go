package linuxkit

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/verify"
)

// stepVerify checks the cosign signature of every pinned image the verify
// block (and the spec's trust: section) names, through the build's image
// store, so mirrors and credentials apply. It runs before the output
// directory exists: a rejected image leaves nothing behind.
type stepVerify struct {
	keys     []verify.Key
	patterns []string
	store    *image.Store
}

func (s *stepVerify) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := state.Get(stateUI).(packersdk.Ui)
	r := state.Get(stateResolved).(*resolve.Resolved)
	patterns := append([]string(nil), s.patterns...)
	if t := r.Spec.Trust; t != nil {
		trust := verify.TrustPatterns(t.Org, t.Image)
		ui.Say(fmt.Sprintf("verify: the spec's trust: section adds %s", strings.Join(trust, ", ")))
		patterns = append(patterns, trust...)
	}
	if len(patterns) == 0 {
		return halt(state, fmt.Errorf("verify: no image patterns: set verify.images or a trust: section in the spec"))
	}
	v, err := verify.New(verify.Policy{Keys: s.keys, Images: patterns, Source: verify.Through(s.store.Remote)})
	if err != nil {
		return halt(state, err)
	}
	checked, err := v.VerifyAll(ctx, r.Images)
	if err != nil {
		return halt(state, fmt.Errorf("verify: %w", err))
	}
	if len(checked) == 0 {
		return halt(state, fmt.Errorf("verify: no image of the spec matches %s; fix verify.images", strings.Join(patterns, ", ")))
	}
	ui.Say(fmt.Sprintf("verify: cosign signatures of %d images checked: %s", len(checked), strings.Join(checked, ", ")))
	state.Put(stateVerified, checked)
	return multistep.ActionContinue
}

func (s *stepVerify) Cleanup(multistep.StateBag) {}
