/**
 * Registry-level scan type.
 */
export enum ScanType {
  /** Basic scanning (Clair-based CVE scan, free). Supports only `SCAN_ON_PUSH` rules. */
  BASIC = 'BASIC',
  /** Enhanced scanning with Amazon Inspector (OS and language packages, continuous rescans; charged). */
  ENHANCED = 'ENHANCED',
}

/**
 * How often repositories matched by a scanning rule are scanned.
 */
export enum ScanFrequency {
  /** Scan each image when it is pushed. */
  SCAN_ON_PUSH = 'SCAN_ON_PUSH',
  /** Scan on push and rescan when new vulnerabilities are published (enhanced scanning only). */
  CONTINUOUS_SCAN = 'CONTINUOUS_SCAN',
  /**
   * Scan only when asked. This is what ECR applies to every repository that no rule matches;
   * CloudFormation does not accept it in a rule, so a rule with `MANUAL` is rejected: leave the
   * repositories out of the other rules instead.
   */
  MANUAL = 'MANUAL',
}

/**
 * A registry scanning rule.
 */
export interface ScanningRule {
  /**
   * How often matched repositories are scanned.
   */
  readonly frequency: ScanFrequency;

  /**
   * Repository name filters (ECR `WILDCARD` filters: lowercase names with `*` wildcards,
   * 1-255 characters, 1-100 filters).
   *
   * @default ['*'] (every repository)
   */
  readonly repositoryFilters?: string[];
}

/**
 * The registry's image scanning configuration (`AWS::ECR::RegistryScanningConfiguration`).
 */
export class RegistryScanning {
  /**
   * Basic scanning.
   *
   * @param rules at most one rule, with `SCAN_ON_PUSH`; an empty list means manual scans only.
   *   Without rules: scan on push for every repository.
   */
  public static basic(rules?: ScanningRule[]): RegistryScanning {
    return new RegistryScanning(ScanType.BASIC, rules ?? [{ frequency: ScanFrequency.SCAN_ON_PUSH }]);
  }

  /**
   * Enhanced scanning with Amazon Inspector.
   *
   * @param rules at most two rules (one `SCAN_ON_PUSH`, one `CONTINUOUS_SCAN`).
   *   Without rules: continuous scanning of every repository.
   */
  public static enhanced(rules?: ScanningRule[]): RegistryScanning {
    return new RegistryScanning(ScanType.ENHANCED, rules ?? [{ frequency: ScanFrequency.CONTINUOUS_SCAN }]);
  }

  /**
   * Leave the registry's scanning configuration as it is: no `AWS::ECR::RegistryScanningConfiguration`
   * is synthesized. This is what a `Registry` without `scanning` does; say it explicitly when
   * another stack, Amazon Inspector or the organization's administrator owns scanning.
   */
  public static unmanaged(): RegistryScanning {
    return new RegistryScanning(undefined, []);
  }

  /** The scan type; undefined when unmanaged. */
  public readonly scanType?: ScanType;

  /** The scanning rules. */
  public readonly rules: ScanningRule[];

  private constructor(scanType: ScanType | undefined, rules: ScanningRule[]) {
    this.scanType = scanType;
    this.rules = rules;
  }
}
