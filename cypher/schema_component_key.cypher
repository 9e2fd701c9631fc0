// One node per (generation, id): a load writes the next generation beside the live one.
CREATE CONSTRAINT component_key IF NOT EXISTS
FOR (c:Component) REQUIRE (c.gen, c.id) IS UNIQUE
