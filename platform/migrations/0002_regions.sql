-- Up Migration
-- Regions mirror platform/config/regions.ts (synced by syncRegions). A resource
-- names its region and product; the pair must exist in region_products, so a region
-- can only host the products its configuration lists.
CREATE TABLE regions (
  id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,30}$'),
  location text NOT NULL CHECK (location ~ '^[a-z0-9-]{2,20}$'),
  price_cell text NOT NULL CHECK (length(price_cell) BETWEEN 1 AND 100),
  synced_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE region_products (
  region text NOT NULL REFERENCES regions(id),
  product text NOT NULL CHECK (product IN ('agent', 'vm')),
  PRIMARY KEY (region, product)
);

-- Shared by every table with a region column: the region is chosen at provisioning
-- and fixed for the resource's lifetime, whoever issues the UPDATE.
CREATE FUNCTION reject_region_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.region IS DISTINCT FROM OLD.region THEN
    RAISE EXCEPTION '%: region is fixed at provisioning: cannot change % from "%" to "%"',
      TG_TABLE_NAME, OLD.id, OLD.region, NEW.region
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

-- Down Migration
DROP FUNCTION reject_region_change();
DROP TABLE region_products;
DROP TABLE regions;
