package btcdtest

import (
	"io"
	"net"
	"sync"
)

// proxy is the node's public RPC address. It forwards connections to
// btcd's RPC port while the node is up and drops them while it is down,
// so that clients see one address across restarts and never see the
// chain half restored (see Node.Restart).
type proxy struct {
	l      net.Listener
	mu     sync.Mutex
	target string                // btcd's RPC address; "" while down
	conns  map[net.Conn]struct{} // open connections, both ends
}

func newProxy() (*proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{l: l, conns: map[net.Conn]struct{}{}}
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.l.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return // closed
		}
		go p.forward(c)
	}
}

func (p *proxy) forward(c net.Conn) {
	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	if target == "" {
		drop(c)
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		drop(c)
		return
	}
	if !p.track(c, up) {
		drop(c)
		up.Close()
		return
	}
	go func() {
		io.Copy(up, c)
		up.Close()
	}()
	io.Copy(c, up)
	c.Close()
	p.untrack(c, up)
}

// track registers a forwarded connection unless the target changed
// meanwhile.
func (p *proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target == "" {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

// set points the proxy at btcd's RPC address, or with "" takes it down
// and breaks the connections open, as a node's death would.
func (p *proxy) set(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	if target == "" {
		for c := range p.conns {
			drop(c)
		}
		clear(p.conns)
	}
}

func (p *proxy) close() {
	p.l.Close()
	p.set("")
}

// drop closes c with a reset, as a port nobody listens on would answer.
func drop(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
