/**
 * The catalog as plain data, for the layers below `controls/` that read it: the collectors
 * that observe what the catalog promises (config, disclosure, design). They name this
 * shape, never `controls/types.ts`, so collectors depend on no module of the layer that
 * judges them (the wall in .dependency-cruiser.cjs). A loaded `Catalog` satisfies it
 * structurally; controls/types.ts asserts that at compile time.
 */

/** The organisation block of controls/catalog.yaml, as the collectors read it. */
export interface OrganisationData {
  name: string;
  website: string;
  contact: string;
  disclosure: {
    contact: string;
    acknowledgementBusinessDays: number;
    fixTargetDays: Record<string, number>;
    coordinatedDisclosureDays: number;
    policyUrl: string;
    preferredLanguages: string[];
  };
  subprocessors: readonly { name: string; purpose: string; location: string; data?: string }[];
}

/** A design artifact a control names: a file, an exported symbol in it, or an IaC resource. */
export interface ArtifactData {
  file: string;
  symbol?: string;
  resource?: string;
}

/** What a catalog-reading collector is handed: the catalog version, organisation and controls. */
export interface CatalogData {
  version: string;
  organisation: OrganisationData;
  controls: readonly { id: string; statement: string; artifacts: readonly ArtifactData[] }[];
}
