-- One million tickets over the past year across the bench schools, in every status.
-- :schools is a comma-separated list of "id:path" pairs set by bench/run.py.
INSERT INTO tickets (
    number, access_code_hash, org_id, org_path, school_id, district_id, to_bureau, channel, kind, category,
    priority, status, content, anonymous, collected_at, register_due_at, respond_due_at,
    first_responded_at, responded_at, responded_on_time, rating, version
)
SELECT
    'B' || lpad(g::text, 8, '0'),
    decode(md5(g::text) || md5(g::text), 'hex'),
    s.id, s.path, s.id, s.parent_id, false,
    (ARRAY['online','mailbox','hotline','reception','home_visit','grid','parent_meeting'])[1 + g % 7],
    (ARRAY['inquiry','suggestion','complaint','report','help','praise'])[1 + g % 6],
    '其他', 'normal',
    (ARRAY['collected','registered','submitted','assigned','responded','archived','archived',
           'archived','inspected','archived'])[1 + (g / 7) % 10],
    '压测数据：家长反映的问题内容，约五十个字，用于估算真实行大小。' || g,
    g % 5 = 0,
    now() - make_interval(secs => g * 31.5),
    now() - make_interval(secs => g * 31.5) + interval '1 day',
    now() - make_interval(secs => g * 31.5) + interval '7 days',
    CASE WHEN (g / 7) % 10 >= 4 THEN now() - make_interval(secs => g * 31.5) + interval '3 days' END,
    CASE WHEN (g / 7) % 10 >= 4 THEN now() - make_interval(secs => g * 31.5) + interval '3 days' END,
    CASE WHEN (g / 7) % 10 >= 4 THEN true END,
    CASE WHEN (g / 7) % 10 >= 5 THEN (ARRAY['satisfied','basically_satisfied','unsatisfied'])[1 + g % 3] END,
    1
FROM generate_series(1, :count) AS g
JOIN bench_schools s ON s.n = g % (SELECT count(*) FROM bench_schools);
