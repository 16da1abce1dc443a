package main

import (
	"fmt"
	"io"
	"strings"
)

// columns of the results table.
var columns = []string{
	"operation", "ours s", "ours MB/s", "ours RSS MiB", "ours size",
	"peer", "peer s", "peer MB/s", "peer RSS MiB", "peer size",
	"time peer/ours", "size ours/peer", "note",
}

// cells renders one row; a side without numbers shows its status.
func cells(r Row) []string {
	side := func(m Measure) []string {
		if !m.ok() {
			return []string{m.Status, "", "", ""}
		}
		mbs := "–"
		if r.Basis > 0 && m.Seconds > 0 {
			mbs = fmt.Sprintf("%.0f", float64(r.Basis)/1e6/m.Seconds)
		}
		size := "–"
		if m.OutBytes >= 0 {
			size = fmt.Sprintf("%.1f MiB", float64(m.OutBytes)/(1<<20))
		}
		rss := "–" // not measured (the build section's packer processes)
		if m.RSSKiB > 0 {
			rss = fmt.Sprintf("%.1f", float64(m.RSSKiB)/1024)
		}
		return []string{fmt.Sprintf("%.2f", m.Seconds), mbs, rss, size}
	}
	out := []string{r.Op}
	out = append(out, side(r.Ours)...)
	if r.PeerName == "" {
		out = append(out, "–", "", "", "", "")
	} else {
		out = append(out, r.PeerName)
		out = append(out, side(r.Peer)...)
	}
	timeRatio, sizeRatio := "", ""
	if r.PeerName != "" && r.Ours.ok() && r.Peer.ok() {
		if r.Ours.Seconds > 0 {
			timeRatio = fmt.Sprintf("%.2f", r.Peer.Seconds/r.Ours.Seconds)
		}
		if r.Peer.OutBytes > 0 && r.Ours.OutBytes >= 0 {
			sizeRatio = fmt.Sprintf("%.3f", float64(r.Ours.OutBytes)/float64(r.Peer.OutBytes))
		}
	}
	return append(out, timeRatio, sizeRatio, r.Note)
}

// writeText prints the table with aligned columns for a terminal.
func writeText(w io.Writer, rows []Row) {
	table := [][]string{columns}
	for _, r := range rows {
		table = append(table, cells(r))
	}
	widths := make([]int, len(columns))
	for _, line := range table {
		for i, c := range line {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, line := range table {
		var b strings.Builder
		for i, c := range line {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// writeMarkdown writes bench/results.md: the preamble lines, then the table.
func writeMarkdown(w io.Writer, preamble []string, rows []Row) {
	fmt.Fprintln(w, "# Benchmarks (`make bench`)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Written by `scripts/bench.sh` (bench/cmd/lkbench); do not edit by hand.")
	fmt.Fprintln(w)
	for _, p := range preamble {
		fmt.Fprintln(w, "- "+p)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| "+strings.Join(columns, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(columns)))
	for _, r := range rows {
		cs := cells(r)
		for i := range cs {
			cs[i] = strings.ReplaceAll(cs[i], "|", `\|`)
		}
		fmt.Fprintln(w, "| "+strings.Join(cs, " | ")+" |")
	}
}
