// Command gethbench measures go-ethereum's RLPx transport on this machine with the same workload
// as devp2p-ts's `npm run bench`, so the two can be compared in one run:
//
//   - throughput: one connection over loopback TCP, snappy on (as after a v5 Hello), one side
//     writing RLP strings of the bench payload (38 fresh + 26 repeated bytes per 64, the same
//     generator as bench/ejs/rlpx.ts benchPayload) as eth BlockBodies, the other reading them;
//     the clock runs from the first write to the last read, bytes counted are payload bytes.
//   - handshakes: TCP dial + ECIES auth/ack + the Hello exchange, sequential and 50 concurrent,
//     dialer keys made before the clock (as ours).
//
// It uses go-ethereum's p2p/rlpx.Conn, the transport geth itself runs; the Hello exchange is
// written here with geth's protoHandshake layout because geth keeps that part unexported.
// GOMAXPROCS is taken from the environment; the caller runs it at 1 and at 2.
// Prints one JSON object on stdout.
package main

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/rlpx"
	"github.com/ethereum/go-ethereum/rlp"
)

const blockBodiesCode = 0x10 + 0x06 // eth at offset 0x10, BlockBodies

type capability struct {
	Name    string
	Version uint
}

// hello is geth's protoHandshake (p2p/peer.go).
type hello struct {
	Version    uint64
	Name       string
	Caps       []capability
	ListenPort uint64
	ID         []byte
	Rest       []rlp.RawValue `rlp:"tail"`
}

// benchPayload mirrors bench/ejs/rlpx.ts: a mulberry32-style generator seeded 0x5eed; in every
// 64-byte block the first 38 bytes are fresh and the rest repeat the bytes 38 positions back.
func benchPayload(size int) []byte {
	a := uint32(0x5eed)
	rand := func() uint32 {
		a += 0x6d2b79f5
		t := (a ^ (a >> 15)) * (1 | a)
		t = (t + (t^(t>>7))*(61|t)) ^ t
		return t ^ (t >> 14)
	}
	const fresh = 38
	out := make([]byte, size)
	for off := 0; off < size; off += 64 {
		n := min(64, size-off)
		for i := 0; i < n; i++ {
			if i < fresh {
				out[off+i] = byte(rand())
			} else {
				out[off+i] = out[off+i-fresh]
			}
		}
	}
	return out
}

// exchangeHello sends our Hello and reads theirs concurrently (as geth's doProtoHandshake),
// then turns snappy on.
func exchangeHello(c *rlpx.Conn, key *ecdsa.PrivateKey) error {
	ours, err := rlp.EncodeToBytes(&hello{Version: 5, Name: "gethbench", Caps: []capability{{"eth", 69}}, ID: crypto.FromECDSAPub(&key.PublicKey)[1:]})
	if err != nil {
		return err
	}
	werr := make(chan error, 1)
	go func() { _, err := c.Write(0, ours); werr <- err }()
	code, data, _, err := c.Read()
	if err != nil {
		<-werr
		return err
	}
	if err := <-werr; err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("expected Hello, got code %d", code)
	}
	var h hello
	if err := rlp.DecodeBytes(data, &h); err != nil {
		return err
	}
	if len(h.ID) != 64 {
		return errors.New("bad Hello ID")
	}
	c.SetSnappy(true)
	return nil
}

type listener struct {
	ln  net.Listener
	key *ecdsa.PrivateKey
	wg  sync.WaitGroup
	// serve runs on each accepted, handshaken connection; nil closes it after Hello.
	serve func(c *rlpx.Conn)
}

func listen(serve func(c *rlpx.Conn)) (*listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	key, _ := crypto.GenerateKey()
	l := &listener{ln: ln, key: key, serve: serve}
	go func() {
		for {
			fd, err := ln.Accept()
			if err != nil {
				return
			}
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				c := rlpx.NewConn(fd, nil)
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := c.Handshake(l.key); err != nil {
					return
				}
				if err := exchangeHello(c, l.key); err != nil {
					return
				}
				c.SetDeadline(time.Time{})
				if l.serve != nil {
					l.serve(c)
				} else {
					c.Read() // until the dialer closes
				}
			}()
		}
	}()
	return l, nil
}

func (l *listener) close() { l.ln.Close(); l.wg.Wait() }

func dial(l *listener, key *ecdsa.PrivateKey) (*rlpx.Conn, error) {
	fd, err := net.Dial("tcp", l.ln.Addr().String())
	if err != nil {
		return nil, err
	}
	c := rlpx.NewConn(fd, &l.key.PublicKey)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Handshake(key); err != nil {
		c.Close()
		return nil, err
	}
	if err := exchangeHello(c, key); err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// throughput returns MB/s (10^6 payload bytes per second) for `count` messages of `size` bytes.
func throughput(size, count int) (float64, error) {
	body, _ := rlp.EncodeToBytes(benchPayload(size))
	got := make(chan error, 1)
	var t1 time.Time
	l, err := listen(func(c *rlpx.Conn) {
		for i := 0; i < count; i++ {
			code, data, _, err := c.Read()
			if err != nil {
				got <- err
				return
			}
			if code != blockBodiesCode || len(data) != len(body) {
				got <- fmt.Errorf("bad message %d (%d bytes)", code, len(data))
				return
			}
		}
		t1 = time.Now()
		got <- nil
	})
	if err != nil {
		return 0, err
	}
	defer l.close()
	key, _ := crypto.GenerateKey()
	c, err := dial(l, key)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	t0 := time.Now()
	go func() {
		for i := 0; i < count; i++ {
			if _, err := c.Write(blockBodiesCode, body); err != nil {
				return
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			return 0, err
		}
	case <-time.After(120 * time.Second):
		return 0, errors.New("throughput: timed out")
	}
	return float64(size*count) / 1e6 / t1.Sub(t0).Seconds(), nil
}

// handshakes returns dial + auth/ack + Hello completions per second.
func handshakes(count, concurrency int) (float64, error) {
	l, err := listen(nil)
	if err != nil {
		return 0, err
	}
	defer l.close()
	keys := make([]*ecdsa.PrivateKey, count)
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
	}
	var (
		mu   sync.Mutex
		next int
		ferr error
		wg   sync.WaitGroup
	)
	t0 := time.Now()
	for w := 0; w < min(concurrency, count); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= count {
					return
				}
				c, err := dial(l, keys[i])
				if err != nil {
					mu.Lock()
					ferr = err
					mu.Unlock()
					return
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	if ferr != nil {
		return 0, ferr
	}
	return float64(count) / time.Since(t0).Seconds(), nil
}

func main() {
	quick := flag.Bool("quick", false, "a tenth of the work")
	only := flag.String("only", "", "comma-separated subset of 1kib,64kib,1mib,handshakes (default: all)")
	part := flag.Float64("part", 1, "fraction of the work (npm run bench runs halves just before and after ours)")
	flag.Parse()
	fraction := *part
	if *quick {
		fraction /= 10
	}
	scale := func(n int) int { return max(1, int(float64(n)*fraction)) }
	wanted := func(label string) bool {
		if *only == "" {
			return true
		}
		for _, l := range strings.Split(*only, ",") {
			if l == label {
				return true
			}
		}
		return false
	}
	result := map[string]any{"gomaxprocs": runtime.GOMAXPROCS(0)}
	fail := func(what string, err error) {
		fmt.Fprintf(os.Stderr, "gethbench: %s: %v\n", what, err)
		os.Exit(1)
	}
	for _, s := range []struct {
		label       string
		size, count int
	}{{"1kib", 1024, 100_000}, {"64kib", 65536, 4_000}, {"1mib", 1 << 20, 300}} {
		if !wanted(s.label) {
			continue
		}
		// One warm-up run of a tenth, then the measured run.
		if _, err := throughput(s.size, max(1, s.count/10)); err != nil {
			fail("throughput "+s.label, err)
		}
		mbps, err := throughput(s.size, scale(s.count))
		if err != nil {
			fail("throughput "+s.label, err)
		}
		result["rlpx_"+s.label+"_MBps"] = mbps
	}
	if wanted("handshakes") {
		seq, err := handshakes(scale(200), 1)
		if err != nil {
			fail("handshakes", err)
		}
		conc, err := handshakes(scale(200), 50)
		if err != nil {
			fail("handshakes concurrent", err)
		}
		result["handshakes_per_s"] = seq
		result["handshakes_concurrent_per_s"] = conc
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
