package testrig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// proxied pushes a random image into a fresh registry behind a fault proxy
// and returns the proxy, the repository path and the image's first layer.
func proxied(t *testing.T) (*FaultProxy, v1.Hash, int64) {
	t.Helper()
	reg := StartRegistry(t)
	img, err := random.Image(64<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	reg.Push(t, "lk/app:v1", img)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	h, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	size, err := layers[0].Size()
	if err != nil {
		t.Fatal(err)
	}
	return StartFaultProxy(t, reg.Host), h, size
}

// get fetches path through p with a deadline and returns the status, the
// body read and the read error.
func get(t *testing.T, p *FaultProxy, path string, timeout time.Duration) (int, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestFaultProxyModes(t *testing.T) {
	p, layer, size := proxied(t)
	blob := "/v2/lk/app/blobs/" + layer.String()
	manifest := "/v2/lk/app/manifests/v1"

	// No fault: the bytes pass unchanged.
	code, body, err := get(t, p, blob, 10*time.Second)
	if err != nil || code != http.StatusOK || int64(len(body)) != size {
		t.Fatalf("plain GET: %d, %d bytes, %v", code, len(body), err)
	}

	p.Inject(Fault{Mode: Status500, Times: 2})
	for i := range 3 {
		code, _, _ := get(t, p, blob, 10*time.Second)
		if want := map[bool]int{true: 500, false: 200}[i < 2]; code != want {
			t.Fatalf("request %d: status %d, want %d", i, code, want)
		}
	}

	p.Inject(Fault{Mode: Truncate, Times: 1})
	if _, body, err = get(t, p, blob, 10*time.Second); !errors.Is(err, io.ErrUnexpectedEOF) || int64(len(body)) != size/2 {
		t.Fatalf("truncate: %d of %d bytes, %v", len(body), size, err)
	}

	p.Inject(Fault{Mode: WrongDigest, Times: 1})
	_, body, err = get(t, p, blob, 10*time.Second)
	sum := sha256.Sum256(body)
	if err != nil || int64(len(body)) != size || hex.EncodeToString(sum[:]) == layer.Hex {
		t.Fatalf("wrong digest: %d bytes hashing to %x, %v", len(body), sum, err)
	}

	p.Inject(Fault{Mode: OversizedManifest, Times: 1, Size: 1 << 20})
	if code, body, err = get(t, p, manifest, 10*time.Second); err != nil || code != 200 || len(body) != 1<<20 ||
		!strings.HasSuffix(strings.TrimRight(string(body), " "), "}") {
		t.Fatalf("oversized manifest: %d, %d bytes, %v", code, len(body), err)
	}

	p.Inject(Fault{Mode: Stall, Times: 1})
	start := time.Now()
	_, body, err = get(t, p, blob, 500*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || int64(len(body)) != size/2 || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("stall: %d of %d bytes after %v, %v", len(body), size, time.Since(start), err)
	}
	if n := p.Injected(); n != 6 {
		t.Fatalf("Injected() = %d, want 6", n)
	}

	// A fault used up leaves the proxy transparent again.
	if code, body, err := get(t, p, blob, 10*time.Second); err != nil || code != 200 || int64(len(body)) != size {
		t.Fatalf("after the faults: %d, %d bytes, %v", code, len(body), err)
	}
}

func TestFaultProxyCloseReleasesStalledRequests(t *testing.T) {
	p, layer, _ := proxied(t)
	p.Inject(Fault{Mode: Stall, Times: Always})
	// The headers come before the stall, so the request is held once Get
	// returns.
	resp, err := http.Get("http://" + p.Host + "/v2/lk/app/blobs/" + layer.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(resp.Body)
		done <- err
	}()
	p.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a stalled read ended without error when the proxy closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close left a stalled request hanging")
	}
}
