// The commit point of a whole-model load: one small write makes generation $gen live.
// A load that started earlier than the live generation's never moves it back.
MATCH (m:Meta {key: 'impactgraph'})
SET m.version = m.version + 1,
    m.gen = CASE WHEN $gen > m.gen THEN $gen ELSE m.gen END
RETURN m.version AS version, m.gen AS gen
