package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

// kind is the character of generated file contents, which decides how fast
// and how well gzip compresses them.
type kind int

const (
	// binary is ChaCha8 output: incompressible, like compressed or
	// encrypted files, firmware and media.
	binary kind = iota
	// text is words from a fixed vocabulary on short lines: it compresses
	// about 3:1, like source, configuration and scripts.
	text
	// repetitive is a 4 KiB random block written eight times per 32 KiB: it
	// compresses about 8:1 and fast, so gigabyte inputs stay cheap.
	repetitive
)

// vocabulary is the word list of text contents, the same on every run.
var vocabulary = func() [][]byte {
	r := rand.New(rand.NewChaCha8(seedOf("vocabulary")))
	words := make([][]byte, 1024)
	for i := range words {
		w := make([]byte, 2+r.IntN(9))
		for j := range w {
			w[j] = 'a' + byte(r.IntN(26))
		}
		words[i] = w
	}
	return words
}()

// seedOf turns a name into a ChaCha8 seed, so each file has its own stream.
func seedOf(name string) [32]byte {
	var seed [32]byte
	copy(seed[:], name)
	if len(name) > 32 {
		for i := 32; i < len(name); i++ {
			seed[i%32] ^= name[i]
		}
	}
	return seed
}

// generator is an endless io.Reader of deterministic contents of one kind.
type generator struct {
	c     *rand.ChaCha8
	r     *rand.Rand
	kind  kind
	pend  []byte // generated but not yet returned
	block [4 << 10]byte
}

// newGenerator returns the contents named seed, of kind k.
func newGenerator(seed string, k kind) *generator {
	c := rand.NewChaCha8(seedOf(seed))
	return &generator{c: c, r: rand.New(c), kind: k}
}

// Read fills p; it never fails.
func (g *generator) Read(p []byte) (int, error) {
	switch g.kind {
	case binary:
		return g.c.Read(p)
	case repetitive:
		n := 0
		for n < len(p) {
			if len(g.pend) == 0 {
				_, _ = g.c.Read(g.block[:])
				g.pend = make([]byte, 0, 8*len(g.block))
				for i := 0; i < 8; i++ {
					g.pend = append(g.pend, g.block[:]...)
				}
			}
			c := copy(p[n:], g.pend)
			g.pend = g.pend[c:]
			n += c
		}
		return n, nil
	default:
		n := 0
		for n < len(p) {
			if len(g.pend) == 0 {
				g.pend = g.line()
			}
			c := copy(p[n:], g.pend)
			g.pend = g.pend[c:]
			n += c
		}
		return n, nil
	}
}

// line is one line of text: 4 to 15 words.
func (g *generator) line() []byte {
	var b []byte
	for i, n := 0, 4+g.r.IntN(12); i < n; i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, vocabulary[g.r.IntN(len(vocabulary))]...)
	}
	return append(b, '\n')
}

// writeGenerated writes size bytes of the contents named seed to path.
func writeGenerated(path, seed string, k kind, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, newGenerator(seed, k), size); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
