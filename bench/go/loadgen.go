// Command loadgen is branchdb's benchmark load generator.
//
// It is written in Go because Python clients on a 2-core machine are CPU-bound long before the
// server or the proxy is: a Go client spends a few microseconds per query, so the numbers measure
// the target and not the client. It holds open connections to every target at once and runs the
// targets in interleaved slices (A B, B A, A B, ...) so that noise on a shared machine hits all
// targets alike. It prints one JSON object on stdout; the Python harness does the reporting.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

type targetFlags []string

func (t *targetFlags) String() string     { return strings.Join(*t, ",") }
func (t *targetFlags) Set(v string) error { *t = append(*t, v); return nil }

type target struct {
	name   string
	db     *sql.DB
	conns  []*sql.Conn
	lat    []int64 // nanoseconds, measured slices only
	busy   time.Duration
	slices []float64 // queries per second of each measured slice, in order
	count  int64
	errs   int64
	first  string
}

type result struct {
	Queries int64     `json:"queries"`
	Seconds float64   `json:"seconds"`
	QPS     float64   `json:"qps"`
	P50us   float64   `json:"p50_us"`
	P95us   float64   `json:"p95_us"`
	P99us   float64   `json:"p99_us"`
	MeanUs  float64   `json:"mean_us"`
	Errors  int64     `json:"errors"`
	Slices  []float64 `json:"slice_qps"`
	Error   string    `json:"first_error,omitempty"`
}

func main() {
	var targets targetFlags
	flag.Var(&targets, "target", "NAME=DSN (go-sql-driver DSN); repeat for each target")
	mode := flag.String("mode", "point", "point | range")
	table := flag.String("table", "bench_passthrough.sbtest", "schema.table to query")
	rows := flag.Int("rows", 100000, "ids are 1..rows")
	rangeSize := flag.Int("range", 1000, "rows per range select")
	conns := flag.Int("conns", 1, "client connections per target")
	slice := flag.Duration("slice", 2*time.Second, "length of one measured slice")
	rounds := flag.Int("rounds", 2, "measured slices per target")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "unmeasured warm-up per target")
	seed := flag.Int64("seed", 1, "random seed")
	flag.Parse()

	if len(targets) == 0 {
		fail("at least one -target is needed")
	}
	var query string
	switch *mode {
	case "point":
		query = fmt.Sprintf("SELECT c FROM %s WHERE id=?", *table)
	case "range":
		query = fmt.Sprintf("SELECT c FROM %s WHERE id BETWEEN ? AND ?", *table)
	default:
		fail("unknown -mode " + *mode)
	}
	maxStart := *rows
	if *mode == "range" {
		maxStart = *rows - *rangeSize + 1
		if maxStart < 1 {
			fail("table too small for the range")
		}
	}

	ctx := context.Background()
	ts := make([]*target, 0, len(targets))
	for _, spec := range targets {
		name, dsn, ok := strings.Cut(spec, "=")
		if !ok {
			fail("bad -target " + spec)
		}
		t := &target{name: name}
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			fail(err.Error())
		}
		db.SetMaxOpenConns(*conns)
		db.SetMaxIdleConns(*conns)
		t.db = db
		for i := 0; i < *conns; i++ {
			c, err := db.Conn(ctx)
			if err == nil {
				err = c.PingContext(ctx)
			}
			if err != nil {
				fail(fmt.Sprintf("%s: connect: %v", name, err))
			}
			t.conns = append(t.conns, c)
		}
		ts = append(ts, t)
	}

	workers := make([]*rand.Rand, *conns)
	for i := range workers {
		workers[i] = rand.New(rand.NewSource(*seed + int64(i)))
	}
	run := func(t *target, d time.Duration, measure bool) {
		var wg sync.WaitGroup
		lats := make([][]int64, len(t.conns))
		errs := make([]int64, len(t.conns))
		firsts := make([]string, len(t.conns))
		start := time.Now()
		deadline := start.Add(d)
		for i, c := range t.conns {
			wg.Add(1)
			go func(i int, c *sql.Conn) {
				defer wg.Done()
				rng := workers[i]
				local := make([]int64, 0, 4096)
				var raw sql.RawBytes
				for {
					q0 := time.Now()
					if !q0.Before(deadline) {
						break
					}
					id := rng.Intn(maxStart) + 1
					var r *sql.Rows
					var err error
					if *mode == "point" {
						r, err = c.QueryContext(ctx, query, id)
					} else {
						r, err = c.QueryContext(ctx, query, id, id+*rangeSize-1)
					}
					if err == nil {
						for r.Next() {
							if err = r.Scan(&raw); err != nil {
								break
							}
						}
						if cerr := r.Close(); err == nil {
							err = cerr
						}
						if err == nil {
							err = r.Err()
						}
					}
					if err != nil {
						errs[i]++
						if firsts[i] == "" {
							firsts[i] = err.Error()
						}
						continue
					}
					local = append(local, int64(time.Since(q0)))
				}
				lats[i] = local
			}(i, c)
		}
		wg.Wait()
		elapsed := time.Since(start)
		if !measure {
			return
		}
		t.busy += elapsed
		var n int64
		for i := range lats {
			t.lat = append(t.lat, lats[i]...)
			n += int64(len(lats[i]))
			t.count += int64(len(lats[i]))
			t.errs += errs[i]
			if t.first == "" {
				t.first = firsts[i]
			}
		}
		t.slices = append(t.slices, float64(n)/elapsed.Seconds())
	}

	for _, t := range ts {
		run(t, *warmup, false)
	}
	for r := 0; r < *rounds; r++ {
		for j := range ts {
			k := j
			if r%2 == 1 { // alternate the order: A B, B A, ...
				k = len(ts) - 1 - j
			}
			run(ts[k], *slice, true)
		}
	}

	out := map[string]result{}
	for _, t := range ts {
		for _, c := range t.conns {
			c.Close()
		}
		t.db.Close()
		sort.Slice(t.lat, func(a, b int) bool { return t.lat[a] < t.lat[b] })
		res := result{
			Queries: t.count, Seconds: t.busy.Seconds(), Errors: t.errs, Error: t.first,
			Slices: t.slices,
		}
		if t.busy > 0 {
			res.QPS = float64(t.count) / t.busy.Seconds()
		}
		if n := len(t.lat); n > 0 {
			var sum int64
			for _, v := range t.lat {
				sum += v
			}
			res.MeanUs = float64(sum) / float64(n) / 1e3
			res.P50us = pct(t.lat, 0.50)
			res.P95us = pct(t.lat, 0.95)
			res.P99us = pct(t.lat, 0.99)
		}
		out[t.name] = res
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fail(err.Error())
	}
}

// pct returns the nearest-rank percentile of sorted nanosecond samples, in microseconds.
func pct(sorted []int64, p float64) float64 {
	i := int(p*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i]) / 1e3
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "loadgen:", msg)
	os.Exit(2)
}
