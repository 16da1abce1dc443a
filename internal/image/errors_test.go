package image

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTransientErrorsAreRetried(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	img := fixtureImage(t, 80, "amd64", 2)
	reg.pushImage(t, "lk/app:v1", img)
	ref := reg.host + "/lk/app:v1"

	// Two 503s, then service: the retries absorb them.
	reg.fail503.Store(2)
	s := newStore(t, t.TempDir(), func(o *Options) { insecure(reg)(o); o.Logf = logTo(t) })
	before := reg.hits.Load()
	pullOne(t, s, ref)
	checkImage(t, s, ref, img)
	if n := reg.hits.Load() - before; n < 2+4 {
		t.Fatalf("only %d requests: the 503s were not retried", n)
	}

	// 503s and truncated bodies on blob downloads.
	img2 := fixtureImage(t, 82, "amd64", 3)
	reg.pushImage(t, "lk/app:v2", img2)
	reg.blob503.Store(2)
	reg.truncate.Store(2)
	var mu sync.Mutex
	var events []Progress
	s2 := newStore(t, t.TempDir(), func(o *Options) {
		insecure(reg)(o)
		o.Logf = logTo(t)
		o.Progress = func(p Progress) { mu.Lock(); events = append(events, p); mu.Unlock() }
	})
	pullOne(t, s2, reg.host+"/lk/app:v2")
	checkImage(t, s2, reg.host+"/lk/app:v2", img2)
	if reg.blob503.Load() != 0 || reg.truncate.Load() != 0 {
		t.Fatal("the injected failures were not all hit")
	}
	for i := 1; i < len(events); i++ {
		if events[i].Complete < events[i-1].Complete || events[i].Complete > events[i].Total {
			t.Fatalf("progress across retries: %+v then %+v", events[i-1], events[i])
		}
	}
	if last := events[len(events)-1]; last.Complete != last.Total {
		t.Fatalf("final progress %+v", last)
	}

	// A registry that keeps failing: a bounded number of attempts, then a
	// clear error.
	reg.fail503.Store(1 << 30)
	start := time.Now()
	_, err := newStore(t, t.TempDir(), insecure(reg)).Pull(context.Background(), []string{ref})
	reg.fail503.Store(0)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), reg.host) {
		t.Fatalf("error = %v, want ErrUnreachable naming image and registry", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("giving up took %v", d)
	}
}

func TestNotFoundAndUnreachable(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	reg.pushImage(t, "lk/app:v1", fixtureImage(t, 81, "amd64", 1))
	s := newStore(t, t.TempDir(), insecure(reg))

	for _, ref := range []string{reg.host + "/lk/app:nope", reg.host + "/lk/nothing:v1"} {
		_, err := s.Pull(context.Background(), []string{ref})
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), reg.host) {
			t.Fatalf("Pull(%s) = %v, want ErrNotFound naming image and registry", ref, err)
		}
	}

	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	_ = l.Close()
	s = newStore(t, t.TempDir(), func(o *Options) { o.Insecure = []string{dead} })
	ref := dead + "/lk/app:v1"
	_, err = s.Pull(context.Background(), []string{ref})
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), ref) {
		t.Fatalf("Pull from a dead registry = %v, want ErrUnreachable", err)
	}
	if _, err := s.Resolve(context.Background(), ref); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Resolve from a dead registry = %v, want ErrUnreachable", err)
	}
}

func TestPullErrorsNameEveryFailure(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	s := newStore(t, t.TempDir(), insecure(reg))
	_, err := s.Pull(context.Background(), []string{reg.host + "/a:1", reg.host + "/b:2"})
	if err == nil || !strings.Contains(err.Error(), "/a:1") || !strings.Contains(err.Error(), "/b:2") {
		t.Fatalf("error = %v, want both images named", err)
	}
	before := reg.hits.Load()
	_, err = s.Pull(context.Background(), []string{reg.host + "/ok:1", "UPPER/case", "a b"})
	if err == nil || !strings.Contains(err.Error(), `"UPPER/case"`) || !strings.Contains(err.Error(), `"a b"`) {
		t.Fatalf("invalid references: %v, want both named", err)
	}
	if reg.hits.Load() != before {
		t.Fatal("a Pull with invalid references contacted the registry")
	}
}

func TestCancelledPull(t *testing.T) {
	hermeticDocker(t, nil)
	reg := startRegistry(t)
	reg.pushImage(t, "lk/app:v1", fixtureImage(t, 83, "amd64", 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newStore(t, t.TempDir(), insecure(reg)).Pull(ctx, []string{reg.host + "/lk/app:v1"})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), reg.host+"/lk/app:v1") {
		t.Fatalf("Pull with a cancelled context = %v, want context.Canceled naming the image", err)
	}
}
