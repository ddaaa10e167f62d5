package textout

import (
	"fmt"
	"io"
	"time"

	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// ReplicaStatus prints the embedded replica's server and how replication
// stands: the state as PostgreSQL names it (pg_stat_replication.state,
// e.g. streaming) and the lag in bytes and time.
func ReplicaStatus(w io.Writer, lang i18n.Lang, srv *embedded.Status, st *postgres.ReplicaStatus) {
	if srv != nil {
		state := i18n.T(lang, "stopped")
		if srv.Running {
			state = i18n.T(lang, "running (pid %d)", srv.PID)
		}
		if !srv.Exists {
			state = i18n.T(lang, "not made yet (ledger db replica start)")
		}
		fmt.Fprintln(w, i18n.T(lang, "replica cluster: %s", srv.Cluster))
		fmt.Fprintln(w, i18n.T(lang, "replica server:  %s, socket %s", state, srv.Socket))
	}
	if st.PrimaryError != "" {
		fmt.Fprintln(w, i18n.T(lang, "primary: %s", st.PrimaryError))
	}
	if len(st.Standbys) == 0 && st.PrimaryError == "" {
		fmt.Fprintln(w, i18n.T(lang, "replication: no standby streams from the primary"))
	}
	for _, s := range st.Standbys {
		fmt.Fprintln(w, i18n.T(lang, "replication: %s state %s, replayed %s, lag %d bytes, %v (slot %s)",
			Dash(s.Name), s.State, Dash(s.ReplayLSN), s.LagBytes, s.ReplayLag.Round(time.Millisecond), Dash(s.SlotName)))
	}
	if st.ReplicaError != "" {
		fmt.Fprintln(w, i18n.T(lang, "replica: %s", st.ReplicaError))
	}
	if r := st.Replay; r != nil {
		at := "-"
		if !r.ReplayedAt.IsZero() {
			at = r.ReplayedAt.UTC().Format(time.RFC3339) + " (" + time.Since(r.ReplayedAt).Round(time.Second).String() + ")"
		}
		fmt.Fprintln(w, i18n.T(lang, "replica replay: %s, last replayed transaction %s, in recovery %v", Dash(r.LSN), at, r.InRecovery))
	}
}

// DBStatus prints the embedded server's state (`ledger db status`).
func DBStatus(w io.Writer, lang i18n.Lang, st *embedded.Status) {
	state := i18n.T(lang, "stopped")
	if st.Running {
		state = i18n.T(lang, "running (pid %d)", st.PID)
	}
	if !st.Exists {
		state = i18n.T(lang, "no cluster yet (created on first use)")
	}
	fmt.Fprint(w, i18n.T(lang, "data directory: %s\ncluster:        %s (PostgreSQL %d)\nserver:         %s\nsocket:         %s\npinned:         %v\n", st.DataDir, st.Cluster, st.Version, state, st.Socket, st.Pinned))
}
