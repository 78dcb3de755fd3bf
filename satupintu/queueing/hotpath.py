"""The hot operations of the queue in hand-written SQL: issue, call-next, start, finish, no-show
and recall. This is the only module of the app that writes SQL by hand (besides the number
sequence's upsert, which it holds too); `services.py` calls it and keeps everything around it
(validation, messages, events after commit, caches).

Why: through the ORM an operation took 6 to 9 statements (36 round trips per cycle with BEGIN
and COMMIT) and most of its CPU went into building and compiling querysets. Here each operation
is ONE round trip on PostgreSQL: a PL/pgSQL function (`POSTGRES_FUNCTIONS`, installed by
migration `queueing/0003_hot_path_functions`) that takes the locks, checks the state, writes the
ticket and its event row and answers the ticket row with the waiting counts of the services it
touched, as one JSON text. Called in autocommit, the statement is its own transaction: it commits
as it returns, so the caller publishes the live event right after (never before the commit).
Inside an outer transaction it runs in a savepoint so that a refusal leaves the outer transaction
usable.

On SQLite the same steps run in Python, statement by statement, inside one IMMEDIATE transaction
(the write lock is taken at BEGIN, so the steps are serialised exactly like the row locks
serialise them on PostgreSQL). Both paths share the calling order (`CALL_TIER_SQL`, mirrored from
`policy.py` and tested against it) and answer the same `Done`.

Guarantees, on both engines:
- numbers: `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on the (mall, prefix, day) sequence
  row, whose lock serialises the issuers of one queue until commit; a refusal after it (quota)
  rolls the number back, so numbers stay unique and gap-free; the quota is counted under that lock;
- calls: the counter's session row is locked first (the caller must hold the counter, open), the
  "nothing at this counter" check is a statement of its own after that lock (READ COMMITTED: it
  sees what the previous holder of the lock committed), then the first waiting ticket by the
  policy is taken with `FOR UPDATE SKIP LOCKED`, so concurrent counters take different tickets;
- transitions: the ticket row is locked, it must be visible to the actor (the malls or agencies
  the caller passes, derived from the actor's memberships; otherwise "not found"), in the status
  the action needs, at a counter whose session the actor holds (locked);
- every change appends its `TicketEvent` row in the same transaction.

Refusals raise `Refused(code, detail)`; `services.py` turns them into the domain errors with
their translated messages. When the functions change, a new migration calls
`install_postgres_functions` again (CREATE OR REPLACE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import DateField, DateTimeField, JSONField

from satupintu.queueing import policy
from satupintu.queueing.models import Ticket

# SQLSTATEs raised by the functions: refused as a conflict (409) or as "not found" (404).
SQLSTATE_CONFLICT = "SP409"
SQLSTATE_NOT_FOUND = "SP404"


class Refused(Exception):
    """The state does not allow the operation: `code` names why (`invalid_transition`,
    `counter_not_held`, ...), `detail` holds what the message needs. Nothing was written."""

    def __init__(self, code: str, detail: dict[str, Any], *, not_found: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.not_found = not_found


@dataclass(frozen=True)
class Reach:
    """Where an actor may act on tickets: everywhere (superuser), in these malls, or on the
    tickets of these agencies' services."""

    everywhere: bool = False
    mall_ids: tuple[int, ...] = ()
    agency_ids: tuple[int, ...] = ()


@dataclass
class Done:
    """What an operation answers: the ticket as it is now, the waiting count of every service it
    touched, and for a ticket just issued the number of tickets the policy calls before it."""

    ticket: Ticket
    waiting: dict[int, int]
    people_ahead: int | None = None
    # For transitions: the counter and service where it happened, and the next service of the
    # visit a finished ticket now waits for.
    counter_id: int | None = None
    acted_service_id: int | None = None
    next_service_id: int | None = None
    # For a finish: the mean minutes from start to finish of the service's last `sample` tickets
    # done today (the estimate's input, `selectors.mean_service_minutes`), None when none is.
    mean_minutes: float | None = None


# --- the calling order, in SQL ------------------------------------------------------------------


def _call_tier_sql(alias: str, now: str) -> str:
    """`policy.call_tier` as a SQL expression over the ticket row `alias` at time `now`."""
    whens = " ".join(
        f"WHEN {alias}.priority = '{name}' THEN {tier}"
        for name, tier in policy.PRIORITY_TIERS.items()
    )
    return (
        f"CASE WHEN {alias}.appointment_slot_at <= {now} THEN {policy.TIER_APPOINTMENT_DUE} "
        f"{whens} ELSE {policy.TIER_REGULAR} END"
    )


def _call_sort_sql(alias: str, now: str) -> str:
    """The second element of `policy.call_order_key` in SQL."""
    return (
        f"CASE WHEN {alias}.appointment_slot_at <= {now} THEN {alias}.appointment_slot_at "
        f"ELSE {alias}.arrival_at END"
    )


def call_order_sql(alias: str, now: str) -> str:
    """ORDER BY terms equal to sorting by `policy.call_order_key` (tested against it)."""
    return f"{_call_tier_sql(alias, now)}, {_call_sort_sql(alias, now)}, {alias}.id"


def _lane_sql(alias: str, drive_thru: str) -> str:
    # Drive-thru tickets queue at drive-thru lanes; every other ticket at walk-in counters.
    return f"(({alias}.channel = 'drive_thru') = {drive_thru})"


# --- PostgreSQL: one function per operation -----------------------------------------------------

# The functions answer JSON text: {"ticket": <the row>, "waiting": {"<service id>": n, ...},
# "ahead": n}; or NULL from call-next when nobody waits. Refusals raise SQLSTATE SP409/SP404 with
# the code as message and the values for the message as JSON detail.
POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION queue_refuse(p_state text, p_code text, p_detail jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = p_state, MESSAGE = p_code, DETAIL = p_detail::text;
END $$;

-- The helpers are PL/pgSQL, not SQL functions: PostgreSQL (before 18) parses and plans the
-- body of a SQL function that it cannot inline again on every call, while a PL/pgSQL function
-- keeps its statements' plans for the life of the connection (measured: 0.12 ms for the event
-- insert and 0.3 ms for the waiting count per call as SQL functions, see docs/BENCHMARKS.md).

-- One append-only line of a ticket's history (TicketEvent).
CREATE OR REPLACE FUNCTION queue_record(
  p_ticket bigint, p_at timestamptz, p_actor bigint, p_label text, p_counter bigint,
  p_service bigint, p_from text, p_to text, p_action text, p_outcome text, p_note text
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queueing_ticketevent (ticket_id, at, actor_id, actor_label, counter_id, service_id,
    from_status, to_status, action, outcome, note)
  VALUES (p_ticket, p_at, p_actor, p_label, p_counter, p_service, p_from, p_to, p_action,
    p_outcome, p_note);
END $$;

-- Waiting tickets per service of a day, as a JSON object keyed by service id.
CREATE OR REPLACE FUNCTION queue_waiting(p_service_ids bigint[], p_day date)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE v jsonb;
BEGIN
  IF cardinality(p_service_ids) = 1 THEN
    -- One service (every operation but a finish that sends the visit on): one index range.
    SELECT jsonb_build_object(p_service_ids[1]::text, count(*)) INTO v FROM queueing_ticket
    WHERE current_service_id = p_service_ids[1] AND status = 'waiting' AND service_date = p_day;
    RETURN v;
  END IF;
  SELECT coalesce(jsonb_object_agg(s.id::text, coalesce(w.n, 0)), '{{}}'::jsonb) INTO v
  FROM unnest(p_service_ids) AS s(id)
  LEFT JOIN (
    SELECT current_service_id AS id, count(*) AS n FROM queueing_ticket
    WHERE current_service_id = ANY(p_service_ids) AND status = 'waiting' AND service_date = p_day
    GROUP BY current_service_id
  ) w ON w.id = s.id;
  RETURN v;
END $$;

-- The actor holds the counter (its active session, locked until commit); answers the session.
CREATE OR REPLACE FUNCTION queue_hold_counter(p_counter bigint, p_actor bigint, p_open_only boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE s record;
BEGIN
  SELECT officer_id, status INTO s FROM queueing_countersession
  WHERE counter_id = p_counter AND status IN ('open', 'paused') FOR UPDATE;
  IF NOT FOUND OR s.officer_id IS DISTINCT FROM p_actor THEN
    PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'counter_not_held',
                         jsonb_build_object('counter_id', p_counter));
  END IF;
  IF p_open_only AND s.status <> 'open' THEN
    PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'counter_paused',
                         jsonb_build_object('counter_id', p_counter));
  END IF;
END $$;

CREATE OR REPLACE FUNCTION queue_ticket_issue(
  p_mall bigint, p_service bigint, p_prefix text, p_day date, p_now timestamptz,
  p_channel text, p_priority text, p_name text, p_phone text, p_plate text, p_further jsonb,
  p_quota integer, p_appointment_slot_at timestamptz, p_actor bigint, p_actor_label text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_serial integer;
  v_taken integer;
  t queueing_ticket;
  v_ahead integer;
  v_waiting integer;
BEGIN
  INSERT INTO queueing_numbersequence (mall_id, queue_prefix, service_date, last_value)
  VALUES (p_mall, p_prefix, p_day, 1)
  ON CONFLICT (mall_id, queue_prefix, service_date)
  DO UPDATE SET last_value = queueing_numbersequence.last_value + 1
  RETURNING last_value INTO v_serial;
  IF p_quota IS NOT NULL THEN
    -- Counted under the sequence row's lock: every issuer of this queue waits for the previous.
    SELECT count(*) INTO v_taken FROM queueing_ticket
    WHERE service_id = p_service AND channel = p_channel AND service_date = p_day
      AND transferred_from_id IS NULL AND appointment_slot_at IS NULL;
    IF v_taken >= p_quota THEN
      PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'quota_exhausted',
                           jsonb_build_object('quota', p_quota));
    END IF;
  END IF;
  INSERT INTO queueing_ticket (
    mall_id, service_id, current_service_id, further_service_ids, channel, priority,
    queue_prefix, serial, number, service_date, status, arrival_at, created_at, name, phone,
    plate_number, appointment_slot_at, recall_count, outcome, note, issued_by_id)
  VALUES (
    p_mall, p_service, p_service, p_further, p_channel, p_priority, p_prefix, v_serial,
    p_prefix || '-' || lpad(v_serial::text, 3, '0'), p_day, 'waiting', p_now, p_now, p_name,
    p_phone, p_plate, p_appointment_slot_at, 0, '', '', p_actor)
  RETURNING * INTO t;
  PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, NULL, p_service, '',
    'waiting', 'issue', '', '');
  -- One pass over the service's waiting tickets of the day: the people ahead of the new ticket
  -- (same lane, called before it by the policy) and the waiting count (every lane).
  SELECT count(*) FILTER (WHERE w.id <> t.id AND {_lane_sql("w", "(t.channel = 'drive_thru')")}
      AND ({_call_tier_sql("w", "p_now")}, {_call_sort_sql("w", "p_now")}, w.id)
        < ({_call_tier_sql("t", "p_now")}, {_call_sort_sql("t", "p_now")}, t.id)),
    count(*)
  INTO v_ahead, v_waiting FROM queueing_ticket w
  WHERE w.current_service_id = p_service AND w.status = 'waiting' AND w.service_date = p_day;
  RETURN json_build_object(
    'ticket', row_to_json(t), 'waiting', json_build_object(p_service::text, v_waiting),
    'ahead', v_ahead)::text;
END $$;

CREATE OR REPLACE FUNCTION queue_counter_call_next(
  p_counter bigint, p_drive_thru boolean, p_day date, p_now timestamptz,
  p_actor bigint, p_actor_label text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_number text;
  t queueing_ticket;
BEGIN
  PERFORM queue_hold_counter(p_counter, p_actor, true);
  -- A statement of its own after the session lock: it sees what the previous holder committed.
  SELECT number INTO v_number FROM queueing_ticket
  WHERE counter_id = p_counter AND status IN ('called', 'serving') LIMIT 1;
  IF FOUND THEN
    PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'ticket_at_counter',
                         jsonb_build_object('number', v_number));
  END IF;
  SELECT * INTO t FROM queueing_ticket w
  WHERE w.current_service_id IN (
      SELECT service_id FROM catalog_counter_services WHERE counter_id = p_counter)
    AND w.status = 'waiting' AND w.service_date = p_day AND {_lane_sql("w", "p_drive_thru")}
  ORDER BY {call_order_sql("w", "p_now")}
  LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  UPDATE queueing_ticket SET status = 'called', counter_id = p_counter, called_at = p_now,
    last_called_at = p_now, recall_count = 0
  WHERE id = t.id RETURNING * INTO t;
  PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, p_counter, t.current_service_id,
    'waiting', 'called', 'call', '', '');
  RETURN json_build_object(
    'ticket', row_to_json(t),
    'waiting', queue_waiting(ARRAY[t.current_service_id], p_day))::text;
END $$;

-- start, finish, no_show, recall of one ticket by the officer holding its counter.
CREATE OR REPLACE FUNCTION queue_ticket_act(
  p_ticket bigint, p_action text, p_everywhere boolean, p_mall_ids bigint[],
  p_agency_ids bigint[], p_now timestamptz, p_actor bigint, p_actor_label text,
  p_outcome text, p_note text, p_max_recalls integer, p_sample integer
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t queueing_ticket;
  v_from text;
  v_needs text;
  v_counter bigint;
  v_further jsonb;
  v_next bigint;
  v_next_code text;
  v_touched bigint[];
  v_mean double precision;
BEGIN
  SELECT * INTO t FROM queueing_ticket WHERE id = p_ticket FOR UPDATE;
  IF NOT FOUND OR NOT (
    p_everywhere OR t.mall_id = ANY(p_mall_ids) OR EXISTS (
      SELECT 1 FROM catalog_service s
      WHERE s.id = t.current_service_id AND s.agency_id = ANY(p_agency_ids))
  ) THEN
    PERFORM queue_refuse('{SQLSTATE_NOT_FOUND}', 'ticket_not_found',
                         jsonb_build_object('ticket_id', p_ticket));
  END IF;
  v_from := t.status;
  v_needs := CASE WHEN p_action = 'finish' THEN 'serving' ELSE 'called' END;
  IF t.status <> v_needs THEN
    PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'invalid_transition', jsonb_build_object(
      'number', t.number, 'status', t.status, 'action', p_action, 'allowed', v_needs));
  END IF;
  IF t.counter_id IS NULL THEN
    PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'not_at_counter', '{{}}'::jsonb);
  END IF;
  v_counter := t.counter_id;
  PERFORM queue_hold_counter(v_counter, p_actor, false);
  v_touched := ARRAY[t.current_service_id];
  IF p_action = 'start' THEN
    UPDATE queueing_ticket SET status = 'serving', started_at = p_now
    WHERE id = t.id RETURNING * INTO t;
    PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, v_counter, t.current_service_id,
      v_from, 'serving', 'start', '', '');
  ELSIF p_action = 'no_show' THEN
    UPDATE queueing_ticket SET status = 'no_show', no_show_at = p_now
    WHERE id = t.id RETURNING * INTO t;
    PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, v_counter, t.current_service_id,
      v_from, 'no_show', 'no_show', '', '');
  ELSIF p_action = 'recall' THEN
    IF t.recall_count >= p_max_recalls THEN
      PERFORM queue_refuse('{SQLSTATE_CONFLICT}', 'recall_limit',
                           jsonb_build_object('number', t.number, 'count', t.recall_count));
    END IF;
    UPDATE queueing_ticket SET recall_count = recall_count + 1, last_called_at = p_now
    WHERE id = t.id RETURNING * INTO t;
    PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, v_counter, t.current_service_id,
      v_from, 'called', 'recall', '', t.recall_count::text);
  ELSIF p_action = 'finish' THEN
    UPDATE queueing_ticket SET status = 'done', finished_at = p_now, outcome = p_outcome,
      note = p_note
    WHERE id = t.id RETURNING * INTO t;
    PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, v_counter, t.current_service_id,
      v_from, 'done', 'finish', p_outcome, p_note);
    -- A visit with further services goes on waiting for the first one still active.
    v_further := t.further_service_ids;
    WHILE jsonb_array_length(v_further) > 0 AND v_next IS NULL LOOP
      SELECT id, code INTO v_next, v_next_code FROM catalog_service
      WHERE id = (v_further->>0)::bigint AND mall_id = t.mall_id AND is_active;
      v_further := v_further - 0;
    END LOOP;
    IF v_next IS NOT NULL THEN
      UPDATE queueing_ticket SET current_service_id = v_next, further_service_ids = v_further,
        status = 'waiting', counter_id = NULL, called_at = NULL, last_called_at = NULL,
        started_at = NULL, finished_at = NULL, recall_count = 0, outcome = ''
      WHERE id = t.id RETURNING * INTO t;
      PERFORM queue_record(t.id, p_now, p_actor, p_actor_label, v_counter, v_next, 'done',
        'waiting', 'next_service', '', v_next_code);
      v_touched := v_touched || v_next;
    END IF;
    SELECT avg(extract(epoch FROM d.finished_at - d.started_at)) / 60 INTO v_mean FROM (
      SELECT started_at, finished_at FROM queueing_ticket
      WHERE current_service_id = v_touched[1] AND service_date = t.service_date
        AND status = 'done' AND started_at IS NOT NULL AND finished_at IS NOT NULL
      ORDER BY finished_at DESC LIMIT p_sample) d;
  ELSE
    RAISE EXCEPTION 'unknown action %', p_action;
  END IF;
  RETURN json_build_object(
    'ticket', row_to_json(t), 'waiting', queue_waiting(v_touched, t.service_date),
    'counter_id', v_counter, 'acted_service_id', v_touched[1], 'next_service_id', v_next,
    'mean_minutes', v_mean)::text;
END $$;
"""


def install_postgres_functions(schema_connection: Any) -> None:
    """Create (or replace) the functions; a no-op on other engines. Called by migrations."""
    if schema_connection.vendor != "postgresql":
        return
    with schema_connection.cursor() as cursor:
        cursor.execute(POSTGRES_FUNCTIONS)


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _pg_array(ids: tuple[int, ...]) -> str:
    """A bigint[] literal: psycopg's list adapter costs more than the whole rest of the call."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def _bound_cursor() -> Any:
    """A cursor (Django's wrapper, so the statement is counted and logged like any other) over
    a psycopg cursor that binds the parameters on the server instead of quoting them into the
    text, as the project's other statements are (`ClientCursor`), and that prepares the
    statement once per connection (`settings.QUEUE_PREPARED_STATEMENTS`): each later call is
    one Bind/Execute of the prepared `SELECT queue_...($1, ...)`, which PostgreSQL no longer
    parses and plans every time (pgbench, same functions: 0.57 against 0.81 ms of database CPU
    per operation, docs/BENCHMARKS.md). Django leaves automatic preparing off for the sake of
    transaction-mode connection poolers; the setting turns it off behind such a pooler."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    pg = connection.connection
    if settings.QUEUE_PREPARED_STATEMENTS and pg.prepare_threshold is None:
        # Django turns psycopg's preparing off (threshold None), which `prepare=True` cannot
        # override. A threshold no statement reaches prepares only what asks for it: these.
        pg.prepare_threshold = _NEVER
    raw = _cursor_class()(pg)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


_NEVER = 2**31 - 1


@cache
def _cursor_class() -> type[Any]:
    import psycopg

    prepare = bool(settings.QUEUE_PREPARED_STATEMENTS)

    class HotPathCursor(psycopg.Cursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", prepare)
            return super().execute(query, params, **kwargs)

    return HotPathCursor


def _run_function(sql: str, params: list[Any]) -> dict[str, Any] | None:
    """One round trip: `SELECT queue_...(...)`; its JSON answer, or Refused."""
    try:
        with _bound_cursor() as cursor:
            if connection.in_atomic_block:
                # In an outer transaction (a test, a service calling another): a savepoint keeps
                # the outer transaction usable when the function refuses.
                with transaction.atomic():
                    cursor.execute(sql, params)
                    row = cursor.fetchone()
            else:
                cursor.execute(sql, params)
                row = cursor.fetchone()
    except DatabaseError as exc:
        cause = exc.__cause__
        state = getattr(cause, "sqlstate", None)
        if state in (SQLSTATE_CONFLICT, SQLSTATE_NOT_FOUND):
            diag = getattr(cause, "diag", None)
            detail = orjson.loads(diag.message_detail) if diag and diag.message_detail else {}
            code = diag.message_primary if diag and diag.message_primary else "refused"
            raise Refused(code, detail, not_found=state == SQLSTATE_NOT_FOUND) from None
        raise
    if row is None or row[0] is None:
        return None
    answer: dict[str, Any] = orjson.loads(row[0])
    return answer


# --- rows to model instances -------------------------------------------------------------------

_TICKET_FIELDS = list(Ticket._meta.concrete_fields)
_TICKET_ATTNAMES = [f.attname for f in _TICKET_FIELDS]


def _to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    # SQLite keeps UTC without an offset; PostgreSQL's JSON carries it.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _to_json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _converter(field: Any) -> Any:
    if isinstance(field, DateTimeField):
        return _to_datetime
    if isinstance(field, DateField):
        return _to_date
    if isinstance(field, JSONField):
        return _to_json
    return None


_CONVERTERS = [(f.column, _converter(f)) for f in _TICKET_FIELDS]


def ticket_from_row(row: dict[str, Any]) -> Ticket:
    """A Ticket instance from a row read by column name, without another query."""
    values = [convert(row[column]) if convert else row[column] for column, convert in _CONVERTERS]
    return Ticket.from_db(connection.alias, _TICKET_ATTNAMES, values)


def _done(answer: dict[str, Any]) -> Done:
    return Done(
        ticket=ticket_from_row(answer["ticket"]),
        waiting={int(k): int(v) for k, v in answer["waiting"].items()},
        people_ahead=answer.get("ahead"),
        counter_id=answer.get("counter_id"),
        acted_service_id=answer.get("acted_service_id"),
        next_service_id=answer.get("next_service_id"),
        mean_minutes=answer.get("mean_minutes"),
    )


# --- SQLite: the same steps in Python, one IMMEDIATE transaction --------------------------------


def _sqlite_rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.description is None:
            return []
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _db_datetime(value: datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _db_date(value: date) -> Any:
    return connection.ops.adapt_datefield_value(value)


_SQLITE_EVENT = (
    "INSERT INTO queueing_ticketevent (ticket_id, at, actor_id, actor_label, counter_id, "
    "service_id, from_status, to_status, action, outcome, note) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


_T_LANE = "(t.channel = 'drive_thru')"
# People ahead of ticket t: waiting tickets of its service, day and lane before it in the order.
_SQLITE_AHEAD = (
    "SELECT count(*) AS n FROM queueing_ticket w, queueing_ticket t WHERE t.id = %s "
    "AND w.current_service_id = t.current_service_id AND w.status = 'waiting' "
    f"AND w.service_date = t.service_date AND w.id <> t.id AND {_lane_sql('w', _T_LANE)} "
    f"AND ({_call_tier_sql('w', '%s')}, {_call_sort_sql('w', '%s')}, w.id) "
    f"< ({_call_tier_sql('t', '%s')}, {_call_sort_sql('t', '%s')}, t.id)"
)
# Mean minutes from start to finish of a service's last N tickets done on a day.
_SQLITE_MEAN_MINUTES = (
    "SELECT avg((julianday(finished_at) - julianday(started_at)) * 1440) AS minutes FROM ("
    "SELECT started_at, finished_at FROM queueing_ticket WHERE current_service_id = %s "
    "AND service_date = %s AND status = 'done' AND started_at IS NOT NULL "
    "AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT %s)"
)
# The first waiting ticket of a counter's services, day and lane, by the calling policy.
_SQLITE_PICK = (
    "SELECT w.id FROM queueing_ticket w WHERE w.current_service_id IN "
    "(SELECT service_id FROM catalog_counter_services WHERE counter_id = %s) "
    f"AND w.status = 'waiting' AND w.service_date = %s AND {_lane_sql('w', '%s')} "
    f"ORDER BY {call_order_sql('w', '%s')} LIMIT 1"
)


def _sqlite_event(
    ticket_id: int, at: datetime, actor: int | None, label: str, counter: int | None,
    service: int, from_status: str, to_status: str, action: str, outcome: str = "",
    note: str = "",
) -> None:  # fmt: skip
    _sqlite_rows(
        _SQLITE_EVENT,
        [ticket_id, _db_datetime(at), actor, label, counter, service, from_status, to_status,
         action, outcome, note],
    )  # fmt: skip


def _sqlite_waiting(service_ids: list[int], day: date) -> dict[str, int]:
    marks = ", ".join(["%s"] * len(service_ids))
    rows = _sqlite_rows(
        f"SELECT current_service_id AS id, count(*) AS n FROM queueing_ticket "
        f"WHERE current_service_id IN ({marks}) AND status = 'waiting' AND service_date = %s "
        f"GROUP BY current_service_id",
        [*service_ids, _db_date(day)],
    )
    counts = {str(sid): 0 for sid in service_ids}
    counts.update({str(r["id"]): int(r["n"]) for r in rows})
    return counts


def _sqlite_ticket(ticket_id: int) -> dict[str, Any]:
    return _sqlite_rows("SELECT * FROM queueing_ticket WHERE id = %s", [ticket_id])[0]


def _sqlite_hold_counter(counter_id: int, actor: int | None, *, open_only: bool) -> None:
    sessions = _sqlite_rows(
        "SELECT officer_id, status FROM queueing_countersession "
        "WHERE counter_id = %s AND status IN ('open', 'paused')",
        [counter_id],
    )
    if not sessions or sessions[0]["officer_id"] != actor:
        raise Refused("counter_not_held", {"counter_id": counter_id})
    if open_only and sessions[0]["status"] != "open":
        raise Refused("counter_paused", {"counter_id": counter_id})


# --- the operations -----------------------------------------------------------------------------


def issue(
    *,
    mall_id: int,
    service_id: int,
    prefix: str,
    day: date,
    now: datetime,
    channel: str,
    priority: str,
    name: str,
    phone: str,
    plate_number: str,
    further_service_ids: list[int],
    quota: int | None,
    appointment_slot_at: datetime | None,
    actor_id: int | None,
    actor_label: str,
) -> Done:
    """Take the next number of the queue and issue a waiting ticket with its `issue` event;
    Refused("quota_exhausted") when the day's quota of the service and channel is used up."""
    if _on_postgres():
        answer = _run_function(
            "SELECT queue_ticket_issue(%s::bigint, %s::bigint, %s::text, %s::date, "
            "%s::timestamptz, %s::text, %s::text, %s::text, %s::text, %s::text, %s::jsonb, "
            "%s::integer, %s::timestamptz, %s::bigint, %s::text)",
            [mall_id, service_id, prefix, day, now, channel, priority, name, phone, plate_number,
             orjson.dumps(further_service_ids).decode(), quota, appointment_slot_at, actor_id,
             actor_label],
        )  # fmt: skip
        assert answer is not None
        return _done(answer)
    with transaction.atomic():
        serial = next_serial(mall_id=mall_id, prefix=prefix, day=day)
        if quota is not None:
            taken = _sqlite_rows(
                "SELECT count(*) AS n FROM queueing_ticket WHERE service_id = %s "
                "AND channel = %s AND service_date = %s AND transferred_from_id IS NULL "
                "AND appointment_slot_at IS NULL",
                [service_id, channel, _db_date(day)],
            )[0]["n"]
            if taken >= quota:
                raise Refused("quota_exhausted", {"quota": quota})
        row = _sqlite_rows(
            "INSERT INTO queueing_ticket (mall_id, service_id, current_service_id, "
            "further_service_ids, channel, priority, queue_prefix, serial, number, service_date, "
            "status, arrival_at, created_at, name, phone, plate_number, appointment_slot_at, "
            "recall_count, outcome, note, issued_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, 'waiting', %s, %s, %s, %s, %s, %s, 0, '', '', %s) RETURNING *",
            [mall_id, service_id, service_id, orjson.dumps(further_service_ids).decode(), channel,
             priority, prefix, serial, f"{prefix}-{serial:03d}", _db_date(day), _db_datetime(now),
             _db_datetime(now), name, phone, plate_number, _db_datetime(appointment_slot_at),
             actor_id],
        )[0]  # fmt: skip
        _sqlite_event(
            row["id"], now, actor_id, actor_label, None, service_id, "", "waiting", "issue"
        )
        at = _db_datetime(now)
        ahead = _sqlite_rows(_SQLITE_AHEAD, [row["id"], at, at, at, at])[0]["n"]
        waiting = _sqlite_waiting([service_id], day)
    return _done({"ticket": row, "waiting": waiting, "ahead": ahead})


def next_serial(*, mall_id: int, prefix: str, day: date) -> int:
    """Take the next number of queue `prefix` on `day`, in one statement that also locks the
    sequence row until the transaction ends (so concurrent issuers of one queue wait here)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO queueing_numbersequence (mall_id, queue_prefix, service_date, last_value) "
            "VALUES (%s, %s, %s, 1) ON CONFLICT (mall_id, queue_prefix, service_date) "
            "DO UPDATE SET last_value = queueing_numbersequence.last_value + 1 "
            "RETURNING last_value",
            [mall_id, prefix, _db_date(day)],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def call_next(
    *,
    counter_id: int,
    drive_thru: bool,
    day: date,
    now: datetime,
    actor_id: int | None,
    actor_label: str,
) -> Done | None:
    """Call the first waiting ticket of the counter's services and lane by the policy; None when
    nobody waits. Refused: counter_not_held, counter_paused, ticket_at_counter."""
    if _on_postgres():
        answer = _run_function(
            "SELECT queue_counter_call_next(%s::bigint, %s::boolean, %s::date, "
            "%s::timestamptz, %s::bigint, %s::text)",
            [counter_id, drive_thru, day, now, actor_id, actor_label],
        )
        return _done(answer) if answer is not None else None
    with transaction.atomic():
        _sqlite_hold_counter(counter_id, actor_id, open_only=True)
        at_counter = _sqlite_rows(
            "SELECT number FROM queueing_ticket WHERE counter_id = %s "
            "AND status IN ('called', 'serving') LIMIT 1",
            [counter_id],
        )
        if at_counter:
            raise Refused("ticket_at_counter", {"number": at_counter[0]["number"]})
        at = _db_datetime(now)
        picked = _sqlite_rows(_SQLITE_PICK, [counter_id, _db_date(day), drive_thru, at, at])
        if not picked:
            return None
        row = _sqlite_rows(
            "UPDATE queueing_ticket SET status = 'called', counter_id = %s, called_at = %s, "
            "last_called_at = %s, recall_count = 0 WHERE id = %s RETURNING *",
            [counter_id, at, at, picked[0]["id"]],
        )[0]
        service_id = row["current_service_id"]
        _sqlite_event(row["id"], now, actor_id, actor_label, counter_id, service_id, "waiting",
                      "called", "call")  # fmt: skip
        waiting = _sqlite_waiting([service_id], day)
    return _done({"ticket": row, "waiting": waiting})


ACTIONS = ("start", "finish", "no_show", "recall")


def act(
    *,
    ticket_id: int,
    action: str,
    reach: Reach,
    now: datetime,
    actor_id: int | None,
    actor_label: str,
    outcome: str = "",
    note: str = "",
    max_recalls: int = 0,
    sample: int = 20,
) -> Done:
    """start, finish, no_show or recall of a ticket by the officer holding its counter.
    Refused: ticket_not_found (outside `reach`), invalid_transition, not_at_counter,
    counter_not_held, recall_limit."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if _on_postgres():
        answer = _run_function(
            "SELECT queue_ticket_act(%s::bigint, %s::text, %s::boolean, %s::bigint[], "
            "%s::bigint[], %s::timestamptz, %s::bigint, %s::text, %s::text, %s::text, "
            "%s::integer, %s::integer)",
            [ticket_id, action, reach.everywhere, _pg_array(reach.mall_ids),
             _pg_array(reach.agency_ids), now, actor_id, actor_label, outcome, note, max_recalls,
             sample],
        )  # fmt: skip
        assert answer is not None
        return _done(answer)
    with transaction.atomic():
        return _sqlite_act(ticket_id, action, reach, now, actor_id, actor_label, outcome, note,
                           max_recalls, sample)  # fmt: skip


def _sqlite_act(
    ticket_id: int, action: str, reach: Reach, now: datetime, actor_id: int | None,
    actor_label: str, outcome: str, note: str, max_recalls: int, sample: int,
) -> Done:  # fmt: skip
    rows = _sqlite_rows(
        "SELECT t.*, s.agency_id AS current_agency_id FROM queueing_ticket t "
        "JOIN catalog_service s ON s.id = t.current_service_id WHERE t.id = %s",
        [ticket_id],
    )
    visible = rows and (
        reach.everywhere
        or rows[0]["mall_id"] in reach.mall_ids
        or rows[0]["current_agency_id"] in reach.agency_ids
    )
    if not visible:
        raise Refused("ticket_not_found", {"ticket_id": ticket_id}, not_found=True)
    ticket = rows[0]
    needs = "serving" if action == "finish" else "called"
    if ticket["status"] != needs:
        raise Refused(
            "invalid_transition",
            {"number": ticket["number"], "status": ticket["status"], "action": action,
             "allowed": needs},
        )  # fmt: skip
    counter_id = ticket["counter_id"]
    if counter_id is None:
        raise Refused("not_at_counter", {})
    _sqlite_hold_counter(counter_id, actor_id, open_only=False)
    at = _db_datetime(now)
    service_id = ticket["current_service_id"]
    touched = [service_id]
    mean: list[dict[str, Any]] = []
    event = (ticket_id, now, actor_id, actor_label, counter_id, service_id, needs)
    if action == "start":
        _sqlite_rows(
            "UPDATE queueing_ticket SET status = 'serving', started_at = %s WHERE id = %s",
            [at, ticket_id],
        )
        _sqlite_event(*event, "serving", "start")
    elif action == "no_show":
        _sqlite_rows(
            "UPDATE queueing_ticket SET status = 'no_show', no_show_at = %s WHERE id = %s",
            [at, ticket_id],
        )
        _sqlite_event(*event, "no_show", "no_show")
    elif action == "recall":
        if ticket["recall_count"] >= max_recalls:
            raise Refused(
                "recall_limit", {"number": ticket["number"], "count": ticket["recall_count"]}
            )
        _sqlite_rows(
            "UPDATE queueing_ticket SET recall_count = recall_count + 1, last_called_at = %s "
            "WHERE id = %s",
            [at, ticket_id],
        )
        _sqlite_event(*event, "called", "recall", note=str(ticket["recall_count"] + 1))
    else:
        _sqlite_rows(
            "UPDATE queueing_ticket SET status = 'done', finished_at = %s, outcome = %s, "
            "note = %s WHERE id = %s",
            [at, outcome, note, ticket_id],
        )
        _sqlite_event(*event, "done", "finish", outcome=outcome, note=note)
        further = list(_to_json(ticket["further_service_ids"]) or [])
        following = None
        while further and following is None:
            found = _sqlite_rows(
                "SELECT id, code FROM catalog_service WHERE id = %s AND mall_id = %s AND is_active",
                [further.pop(0), ticket["mall_id"]],
            )
            following = found[0] if found else None
        if following is not None:
            _sqlite_rows(
                "UPDATE queueing_ticket SET current_service_id = %s, further_service_ids = %s, "
                "status = 'waiting', counter_id = NULL, called_at = NULL, last_called_at = NULL, "
                "started_at = NULL, finished_at = NULL, recall_count = 0, outcome = '' "
                "WHERE id = %s",
                [following["id"], orjson.dumps(further).decode(), ticket_id],
            )
            _sqlite_event(ticket_id, now, actor_id, actor_label, counter_id, following["id"],
                          "done", "waiting", "next_service", note=following["code"])  # fmt: skip
            touched.append(following["id"])
        mean = _sqlite_rows(_SQLITE_MEAN_MINUTES, [service_id, ticket["service_date"], sample])
    row = _sqlite_ticket(ticket_id)
    day = _to_date(row["service_date"])
    assert day is not None
    return _done(
        {
            "ticket": row,
            "waiting": _sqlite_waiting(touched, day),
            "counter_id": counter_id,
            "acted_service_id": service_id,
            "next_service_id": touched[1] if len(touched) > 1 else None,
            "mean_minutes": mean[0]["minutes"] if action == "finish" else None,
        }
    )
