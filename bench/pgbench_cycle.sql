-- The database's ceiling: the queue cycle issue -> call -> start -> finish written by hand, for
-- pgbench on a scratch copy of the benchmark database (`bench_queue.py` makes the copy and
-- passes -D mall=<id>). Each pgbench client is the officer of counter number client_id + 1 and
-- also the kiosk, like a client of the HTTP benchmark. One run of this script is 4 operations
-- and 14 round trips (BEGIN and COMMIT included); each keeps what the product guarantees: gap-free
-- numbers under the sequence row lock, calls by the calling policy with FOR UPDATE SKIP LOCKED
-- under the counter session's lock, an event row per change, the waiting count of the service.
\set svc random(0, 3)

-- issue
BEGIN;
INSERT INTO queueing_numbersequence (mall_id, queue_prefix, service_date, last_value)
  VALUES (:mall, chr(65 + :svc), (now() AT TIME ZONE 'Asia/Jakarta')::date, 1)
  ON CONFLICT (mall_id, queue_prefix, service_date)
  DO UPDATE SET last_value = queueing_numbersequence.last_value + 1
  RETURNING last_value AS serial \gset
WITH s AS (
  SELECT id, queue_prefix FROM catalog_service WHERE mall_id = :mall AND code = 'BENCH-' || chr(65 + :svc)
), t AS (
  INSERT INTO queueing_ticket (mall_id, service_id, current_service_id, further_service_ids, channel,
    priority, queue_prefix, serial, number, service_date, status, arrival_at, created_at, name, phone,
    plate_number, recall_count, outcome, note)
  SELECT :mall, s.id, s.id, '[]', 'walk_in', '', s.queue_prefix, :serial,
    s.queue_prefix || '-' || lpad(:serial::text, 3, '0'), (now() AT TIME ZONE 'Asia/Jakarta')::date,
    'waiting', now(), now(), '', '', '', 0, '', ''
  FROM s RETURNING id, current_service_id, service_date
), e AS (
  INSERT INTO queueing_ticketevent (ticket_id, at, actor_label, service_id, from_status, to_status,
    action, outcome, note)
  SELECT id, now(), 'bench-kiosk', current_service_id, '', 'waiting', 'issue', '', '' FROM t
)
SELECT count(*) AS waiting FROM queueing_ticket w, t
  WHERE w.current_service_id = t.current_service_id AND w.status = 'waiting'
    AND w.service_date = t.service_date;
COMMIT;

-- call-next: the counter's session locked, then the first waiting ticket by the policy
BEGIN;
SELECT cs.id FROM queueing_countersession cs
  JOIN catalog_counter c ON c.id = cs.counter_id
  JOIN accounts_user u ON u.id = cs.officer_id
  WHERE c.mall_id = :mall AND c.number = :client_id + 1 AND cs.status = 'open'
    AND u.username = 'bench-officer-' || (:client_id + 1)
  FOR UPDATE OF cs;
WITH c AS (
  SELECT id FROM catalog_counter WHERE mall_id = :mall AND number = :client_id + 1
), pick AS (
  SELECT t.id FROM queueing_ticket t
  WHERE t.current_service_id IN (SELECT service_id FROM catalog_counter_services
                                 WHERE counter_id = (SELECT id FROM c))
    AND t.status = 'waiting' AND t.service_date = (now() AT TIME ZONE 'Asia/Jakarta')::date
    AND t.channel <> 'drive_thru'
  ORDER BY CASE WHEN t.appointment_slot_at <= now() THEN 0 WHEN t.priority = 'disabled' THEN 1
                WHEN t.priority = 'elderly' THEN 2 WHEN t.priority = 'pregnant' THEN 3
                WHEN t.priority = 'child_or_infant' THEN 4 ELSE 5 END,
           CASE WHEN t.appointment_slot_at <= now() THEN t.appointment_slot_at ELSE t.arrival_at END,
           t.id
  LIMIT 1 FOR UPDATE OF t SKIP LOCKED
), u AS (
  UPDATE queueing_ticket t SET status = 'called', counter_id = (SELECT id FROM c),
    called_at = now(), last_called_at = now(), recall_count = 0
  FROM pick WHERE t.id = pick.id RETURNING t.id, t.current_service_id
), e AS (
  INSERT INTO queueing_ticketevent (ticket_id, at, actor_label, counter_id, service_id, from_status,
    to_status, action, outcome, note)
  SELECT u.id, now(), 'bench-officer', (SELECT id FROM c), u.current_service_id, 'waiting',
    'called', 'call', '', '' FROM u
)
SELECT coalesce((SELECT id FROM u), 0) AS tid \gset
COMMIT;

-- start
BEGIN;
WITH held AS (
  SELECT cs.counter_id FROM queueing_countersession cs JOIN catalog_counter c ON c.id = cs.counter_id
  WHERE c.mall_id = :mall AND c.number = :client_id + 1 AND cs.status = 'open' FOR UPDATE OF cs
), u AS (
  UPDATE queueing_ticket t SET status = 'serving', started_at = now()
  FROM held WHERE t.id = :tid AND t.status = 'called' AND t.counter_id = held.counter_id
  RETURNING t.id, t.counter_id, t.current_service_id
)
INSERT INTO queueing_ticketevent (ticket_id, at, actor_label, counter_id, service_id, from_status,
  to_status, action, outcome, note)
SELECT id, now(), 'bench-officer', counter_id, current_service_id, 'called', 'serving', 'start', '', ''
FROM u;
COMMIT;

-- finish
BEGIN;
WITH held AS (
  SELECT cs.counter_id FROM queueing_countersession cs JOIN catalog_counter c ON c.id = cs.counter_id
  WHERE c.mall_id = :mall AND c.number = :client_id + 1 AND cs.status = 'open' FOR UPDATE OF cs
), u AS (
  UPDATE queueing_ticket t SET status = 'done', finished_at = now(), outcome = 'served'
  FROM held WHERE t.id = :tid AND t.status = 'serving' AND t.counter_id = held.counter_id
  RETURNING t.id, t.counter_id, t.current_service_id
)
INSERT INTO queueing_ticketevent (ticket_id, at, actor_label, counter_id, service_id, from_status,
  to_status, action, outcome, note)
SELECT id, now(), 'bench-officer', counter_id, current_service_id, 'serving', 'done', 'finish', '', ''
FROM u;
COMMIT;
