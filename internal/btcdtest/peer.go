package btcdtest

import (
	"slices"
	"time"
)

// syncTimeout bounds how long the peer helpers wait for nodes to agree.
const syncTimeout = time.Minute

type peerInfo struct {
	Addr      string `json:"addr"`
	AddrLocal string `json:"addrlocal"`
	Inbound   bool   `json:"inbound"`
}

func (n *Node) peerInfo() []peerInfo {
	n.t.Helper()
	var peers []peerInfo
	n.must(&peers, "getpeerinfo")
	return peers
}

// hasPeer reports whether n is connected to the peer at addr, as n sees
// that peer's address.
func (n *Node) hasPeer(addr string) bool {
	n.t.Helper()
	return slices.ContainsFunc(n.peerInfo(), func(p peerInfo) bool { return p.Addr == addr })
}

// Connect makes n open a connection to other, which must have been
// started with Options.Listen, and waits until both nodes have completed
// the handshake. The connection is not permanent: after Disconnect
// neither node dials the other again. Blocks then flow both ways, and the
// node with the shorter chain reorganises to the longer one.
func (n *Node) Connect(other *Node) {
	n.t.Helper()
	if other.P2PAddr == "" {
		n.t.Fatal("btcdtest: Connect needs a node started with Options.Listen")
	}
	n.must(nil, "node", "connect", other.P2PAddr, "temp")
	n.waitFor("the connection to "+other.P2PAddr, func() bool {
		for _, p := range n.peerInfo() {
			// other sees n at the address n's end of the connection has.
			if p.Addr == other.P2PAddr && p.AddrLocal != "" && other.hasPeer(p.AddrLocal) {
				n.peers[other] = p.AddrLocal
				return true
			}
		}
		return false
	})
}

// Disconnect closes n's connection to other and waits until neither node
// lists the other.
func (n *Node) Disconnect(other *Node) {
	n.t.Helper()
	local, ok := n.peers[other]
	if !ok {
		n.t.Fatal("btcdtest: Disconnect of a node that Connect did not connect")
	}
	n.must(nil, "node", "disconnect", other.P2PAddr)
	n.waitFor("the disconnection from "+other.P2PAddr, func() bool {
		return !n.hasPeer(other.P2PAddr) && !other.hasPeer(local)
	})
	delete(n.peers, other)
}

// WaitSync waits until n and other have the same best block.
func (n *Node) WaitSync(other *Node) {
	n.t.Helper()
	n.waitFor("the same tip as "+other.URL, func() bool {
		_, a := n.Tip()
		_, b := other.Tip()
		return a == b
	})
}

func (n *Node) waitFor(what string, cond func() bool) {
	n.t.Helper()
	deadline := time.Now().Add(syncTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			n.t.Fatalf("btcdtest: %s: no %s after %v", n.URL, what, syncTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
