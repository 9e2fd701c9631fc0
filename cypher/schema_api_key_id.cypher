// One :ApiKey node per key id (API keys live beside the model, in no generation).
CREATE CONSTRAINT api_key_id IF NOT EXISTS
FOR (k:ApiKey) REQUIRE k.id IS UNIQUE
