-- Process start-up and the warehouse's catalogue, no data: what every other query pays before it reads a row.
SELECT count(*) AS employers FROM {employers}
