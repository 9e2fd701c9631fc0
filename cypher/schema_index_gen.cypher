// Whole-generation scans: reads of the model, clean-up of old generations.
CREATE INDEX component_gen IF NOT EXISTS
FOR (c:Component) ON (c.gen)
