package image

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDockerConfigCredentials(t *testing.T) {
	reg := startRegistry(t, withBasicAuth("builder", "s3cret"))
	img := fixtureImage(t, 70, "amd64", 1)
	reg.pushImage(t, "private/app:v1", img)
	ref := reg.host + "/private/app:v1"

	hermeticDocker(t, map[string][2]string{reg.host: {"builder", "s3cret"}})
	s := newStore(t, t.TempDir(), insecure(reg))
	pullOne(t, s, ref)
	checkImage(t, s, ref, img)

	for name, auths := range map[string]map[string][2]string{
		"wrong password": {reg.host: {"builder", "nope"}},
		"no credentials": nil,
	} {
		t.Run(name, func(t *testing.T) {
			hermeticDocker(t, auths)
			_, err := newStore(t, t.TempDir(), insecure(reg)).Pull(context.Background(), []string{ref})
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("error = %v, want ErrUnauthorized", err)
			}
			for _, w := range []string{ref, "registry " + reg.host, "unauthorized"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
