package rootfs

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// benchImage is an init-like image: 3 layers of 400 files of 16 KiB, the
// upper layers overwriting a quarter of the lower ones.
func benchImage(b *testing.B) v1.Image {
	b.Helper()
	body := strings.Repeat("x", 16<<10)
	var layers []v1.Layer
	for l := 0; l < 3; l++ {
		var es []ent
		for i := 0; i < 400; i++ {
			es = append(es, reg(fmt.Sprintf("usr/lib/d%d/f%d-%d", i%20, i, l*(i%4)), body))
		}
		layers = append(layers, layerOf(b, es...))
	}
	return imageOf(b, layers...)
}

// BenchmarkWrite writes a plan with an init image, two bundles (one of
// them de-duplicated) and a random gzip image, about 25 MiB of output.
func BenchmarkWrite(b *testing.B) {
	initImg := benchImage(b)
	svc, err := random.Image(4<<20, 2)
	if err != nil {
		b.Fatal(err)
	}
	p := &Plan{
		Init: []v1.Image{initImg},
		Bundles: []Bundle{
			{Dir: "containers/services/a", Image: svc, ConfigJSON: []byte("{}")},
			{Dir: "containers/services/b", Image: svc, ConfigJSON: []byte("{}")},
			{Dir: "containers/services/c", Image: initImg, ConfigJSON: []byte("{}"), Readonly: true},
		},
	}
	var w countWriter
	if err := Write(context.Background(), &w, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(w.n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Write(context.Background(), io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMutateExtract is the peer: go-containerregistry's flattening of
// the init image alone (no layout, no second pass).
func BenchmarkMutateExtract(b *testing.B) {
	img := benchImage(b)
	var w countWriter
	rc := mutate.Extract(img)
	if _, err := io.Copy(&w, rc); err != nil {
		b.Fatal(err)
	}
	_ = rc.Close()
	b.SetBytes(w.n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rc := mutate.Extract(img)
		if _, err := io.Copy(io.Discard, rc); err != nil {
			b.Fatal(err)
		}
		_ = rc.Close()
	}
}

// BenchmarkWriteInit writes the same init image through Write, to compare
// with BenchmarkMutateExtract.
func BenchmarkWriteInit(b *testing.B) {
	p := &Plan{Init: []v1.Image{benchImage(b)}}
	var w countWriter
	if err := Write(context.Background(), &w, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(w.n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Write(context.Background(), io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}
