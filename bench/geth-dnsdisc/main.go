// Command gethdnsdisc downloads an EIP-1459 node tree with go-ethereum's p2p/dnsdisc client,
// the code `devp2p dns sync` runs (Client.SyncTree), asking one DNS server given on the command
// line, so that devp2p-ts's bench can time geth and devp2p-ts syncing the same tree from the same
// loopback server. `devp2p dns sync` itself cannot be pointed at a server: its resolver reads
// /etc/resolv.conf (port 53 only). The client's lookup rate limit (3/s in geth, which makes a
// 10,000-node tree a one-hour sync) is lifted with -rate, as the bench lifts ours.
//
// Prints one JSON object: the wall-clock ms of each run, and the nodes and links of the tree.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/p2p/dnsdisc"
)

func main() {
	server := flag.String("server", "", "DNS server to ask, IP:PORT")
	rate := flag.Float64("rate", 1e9, "DNS lookups per second")
	runs := flag.Int("runs", 1, "number of syncs, each with a fresh client")
	timeout := flag.Duration("timeout", 5*time.Second, "timeout of each lookup")
	flag.Parse()
	if *server == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gethdnsdisc -server IP:PORT [-rate N] [-runs N] enrtree://...")
		os.Exit(2)
	}
	var dialer net.Dialer
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, *server)
		},
	}
	var result struct {
		Ms    []float64 `json:"ms"`
		Nodes int       `json:"nodes"`
		Links int       `json:"links"`
	}
	for i := 0; i < *runs; i++ {
		c := dnsdisc.NewClient(dnsdisc.Config{Resolver: resolver, RateLimit: *rate, Timeout: *timeout})
		start := time.Now()
		tree, err := c.SyncTree(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "sync failed:", err)
			os.Exit(1)
		}
		result.Ms = append(result.Ms, float64(time.Since(start).Microseconds())/1000)
		result.Nodes = len(tree.Nodes())
		result.Links = len(tree.Links())
	}
	out, _ := json.Marshal(result)
	fmt.Println(string(out))
}
