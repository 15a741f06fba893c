package statement

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/kafarr/kafarr/internal/session"
	"github.com/kafarr/kafarr/internal/sqlparse"
	"github.com/kafarr/kafarr/options"
)

// TableSchema returns the schema SELECT * FROM topic returns under store's
// options, for the catalog (GetTableSchema, GetObjects' columns). It calls
// the planner's schema step directly: it asks the cluster only whether the
// topic exists (one metadata request) and the registry for the value and
// key schemas, and asks for no offsets, so its schema carries no offset
// metadata. When the value format or schema is only known from the
// messages (kafarr.read.schema=first, or auto and json without a
// registered subject), it plans as a query does, sampling them, if peek
// is set; otherwise known is false and nothing is returned (and keys that
// only messages could tell are binary). A missing topic is NotFound.
func TableSchema(ctx context.Context, sess *session.Session, store *options.Store, topic string, peek bool) (sc *arrow.Schema, known bool, err error) {
	defer guard(&err)
	set := store.Read()
	q := &sqlparse.Query{Topic: topic, Star: true, Limit: -1}
	p, err := newPlan("", q, set)
	if err != nil {
		return nil, false, err
	}
	e := &execution{sess: sess, plan: p}
	e.ctx, e.cancel = context.WithTimeout(ctx, max(set.Timeout, set.RegistryTimeout))
	defer e.close()
	lookups := e.startLookups(e.ctx)
	if _, err := sess.Admin.Partitions(e.ctx, topic); err != nil {
		return nil, false, lookups.abandon(err)
	}
	vres, kres := lookups.wait()
	if vres.err == nil && vres.peek || kres.err == nil && kres.peek {
		switch {
		case peek:
			full, err := startRead(ctx, sess, set, "", q, nil, execSchema)
			if err != nil {
				return nil, false, err
			}
			full.close()
			return full.plan.outSchema, true, nil
		case vres.peek:
			return nil, false, nil
		}
		// Only messages could tell how keys decode: without reading,
		// they are binary.
		kres = lookupResult{skip: true}
	}
	if err := e.chooseValue(e.ctx, vres); err != nil {
		return nil, false, err
	}
	if err := e.chooseKey(e.ctx, kres); err != nil {
		return nil, false, err
	}
	if err := p.planColumns(); err != nil {
		return nil, false, err
	}
	return p.outSchema, true, nil
}
