// Command null-extproc is the cheapest ext_proc server we could write: it answers every
// ProcessingRequest with an empty reply of the matching kind and does nothing else (no parsing
// beyond the message kind, no metadata, no metrics). bench/run-all.ts runs it, when Go is
// installed, behind a third Envoy (c) with the same kgateway config as (b). Its throughput is a
// ceiling for any ext_proc server on this machine: what remains is Envoy's own ext_proc work.
//
// Standard library only (Go ≥ 1.24 for unencrypted HTTP/2):
//
//	go run ./bench/null-extproc -listen @socket-name
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
)

const processPath = "/envoy.service.ext_proc.v3.ExternalProcessor/Process"

// replies[k] is a gRPC frame holding a ProcessingResponse whose oneof field k is an empty message.
var replies [8][]byte

func init() {
	for k := 1; k <= 7; k++ {
		// 5-byte gRPC prefix (uncompressed, length 2), then tag (field k, length-delimited) and length 0.
		replies[k] = []byte{0, 0, 0, 0, 2, byte(k<<3 | 2), 0}
	}
}

// replyKind maps a ProcessingRequest to the ProcessingResponse field that answers it (request
// field n ∈ 2..7 → response field n-1), or 0 for no reply (observability mode, unknown message).
func replyKind(msg []byte) int {
	kind := 0
	for i := 0; i < len(msg); {
		tag, n := binary.Uvarint(msg[i:])
		if n <= 0 {
			return 0
		}
		i += n
		field, wire := int(tag>>3), tag&7
		switch wire {
		case 0: // varint
			v, m := binary.Uvarint(msg[i:])
			if m <= 0 {
				return 0
			}
			i += m
			if field == 10 && v != 0 { // observability_mode: Envoy expects no reply
				return 0
			}
		case 2: // length-delimited
			l, m := binary.Uvarint(msg[i:])
			if m <= 0 || uint64(len(msg)-i-m) < l {
				return 0
			}
			i += m + int(l)
			if field >= 2 && field <= 7 {
				kind = field - 1
			}
		case 1:
			i += 8
		case 5:
			i += 4
		default:
			return 0
		}
	}
	return kind
}

func process(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != processPath {
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "12")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/grpc")
	w.Header().Set("Trailer", "Grpc-Status")
	w.WriteHeader(http.StatusOK)
	flusher := w.(http.Flusher)
	flusher.Flush()
	in := bufio.NewReaderSize(r.Body, 64<<10)
	var prefix [5]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(in, prefix[:]); err != nil {
			break
		}
		n := binary.BigEndian.Uint32(prefix[1:])
		if n > 64<<20 {
			break
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(in, buf); err != nil {
			break
		}
		if k := replyKind(buf); k != 0 {
			if _, err := w.Write(replies[k]); err != nil {
				return
			}
			flusher.Flush()
		}
	}
	w.Header().Set("Grpc-Status", "0")
}

func main() {
	listen := flag.String("listen", "@null-extproc", "@name (Linux abstract socket) or host:port")
	flag.Parse()
	network := "tcp"
	if strings.HasPrefix(*listen, "@") {
		network = "unix"
	}
	ln, err := net.Listen(network, *listen)
	if err != nil {
		log.Fatal(err)
	}
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:   http.HandlerFunc(process),
		Protocols: protocols,
		HTTP2:     &http.HTTP2Config{MaxConcurrentStreams: 4096},
	}
	fmt.Fprintf(os.Stdout, "null-extproc listening on %s\n", *listen)
	log.Fatal(srv.Serve(ln))
}
