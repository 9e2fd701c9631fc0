// A fresh generation number for a whole-model load (never the live one, never reused).
MATCH (m:Meta {key: 'impactgraph'})
SET m.next_gen = CASE WHEN m.next_gen > m.gen THEN m.next_gen ELSE m.gen END + 1
RETURN m.next_gen AS gen
