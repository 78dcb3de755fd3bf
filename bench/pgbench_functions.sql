-- The product's own database work without the web stack: the same cycle as the HTTP clients
-- (issue, call-next, start, finish) as calls of the hot path's functions (`queueing/hotpath.py`),
-- one statement each in autocommit, with the arguments the product passes. `bench_queue.py`
-- runs it with pgbench on a scratch copy of its own, like `pgbench_cycle.sql` (-D mall=).
\set svc random(0, 3)
\set counter :client_id + 1

SELECT queue_ticket_issue(:mall, s.id, s.queue_prefix, (now() AT TIME ZONE 'Asia/Jakarta')::date,
  now(), 'walk_in', '', '', '', '', '[]'::jsonb, NULL, NULL, k.id, 'bench-kiosk')
  FROM catalog_service s, accounts_user k
  WHERE s.mall_id = :mall AND s.code = 'BENCH-' || chr(65 + :svc) AND k.username = 'bench-kiosk';

SELECT coalesce((queue_counter_call_next(c.id, false, (now() AT TIME ZONE 'Asia/Jakarta')::date,
  now(), u.id, 'bench-officer')::json -> 'ticket' ->> 'id')::bigint, 0) AS tid
  FROM catalog_counter c, accounts_user u
  WHERE c.mall_id = :mall AND c.number = :counter AND u.username = 'bench-officer-' || :counter \gset

SELECT queue_ticket_act(:tid, 'start', false, ARRAY[:mall]::bigint[], '{}'::bigint[], now(), u.id,
  'bench-officer', '', '', 3, 20)
  FROM accounts_user u WHERE :tid > 0 AND u.username = 'bench-officer-' || :counter;

SELECT queue_ticket_act(:tid, 'finish', false, ARRAY[:mall]::bigint[], '{}'::bigint[], now(), u.id,
  'bench-officer', 'served', '', 3, 20)
  FROM accounts_user u WHERE :tid > 0 AND u.username = 'bench-officer-' || :counter;
