/**
 * The live-read entry point (`cdk-ecr-registry/lib/report/live`): reading registries, the audit,
 * usage and drift against a `DeclaredApp`, and the text, JSON, SARIF and HTML writers, with nothing
 * from aws-cdk-lib, so it bundles small enough for a Lambda function (test/report/live-bundle.test.ts
 * holds the bundle to its budget). Reading a cloud assembly (`readAssembly`, `modelFromTemplate`)
 * needs aws-cdk-lib: it is in the full entry, `cdk-ecr-registry/lib/report`.
 *
 * Every name here is also a name of the full entry; see docs/report.md, "The library's names".
 */
export { REPORT_SCHEMA_VERSION, RegistryReport, parseTarget, validateTarget } from './report';
export type { FailOn, RegistryReportOptions, ReportTarget, StackMatch, TargetReading, TargetReport, TargetStatus } from './report';
export { ReportInputError } from './errors';
export { RULE_INFO, audit, ruleInfo } from './audit';
export type { AuditOptions, Finding, RuleInfo, Severity } from './audit';
export { WrongAccountError, readInventory } from './inventory';
export type { Inventory, InventoryOptions, InventoryProgress } from './inventory';
export { BYTES_PER_GB, ECR_STORAGE_PRICES, computeRepositoryUsage, readUsage, sortUsage } from './usage';
export type { ImageUsageInput, ImagesAndBytes, ProtectionUsage, ReadUsageOptions, RepositoryUsage, StoragePrices } from './usage';
export { compareRegistry, isDrift, stacksOfRegistry } from './drift';
export type { DriftEntry, DriftKind, DriftResource, DriftSummary, PhysicalIds, TargetDrift } from './drift';
export type { DeployedStack, StackResourcesReader } from './physical-ids';
export { reportToJson } from './json';
export type {
  DeclaredStackJson, DriftEntryJson, DriftSummaryJson, GapJson, RegistryJson, ReportJson, RepositoryJson, ResourceJson, TargetDriftJson,
  TargetJson, UsageSummaryJson,
} from './json';
export { renderText } from './text';
export {
  SARIF_DRIFT_RULE_ID, SARIF_FINGERPRINT_KEY, SARIF_INFORMATION_URI, SARIF_RULES_HELP_URI, SARIF_SCHEMA, SARIF_VERSION, reportToSarif,
  sarifFingerprint,
} from './sarif';
export type {
  SarifDriver, SarifInvocation, SarifLocation, SarifLog, SarifLogicalLocation, SarifMessage, SarifNotification, SarifResult, SarifRule, SarifRun,
} from './sarif';
export { HTML_CHART_BARS, HTML_CSP, escapeHtml, renderHtml } from './html';
export { emptyRegistry, isDeployTimeValue } from '../model/settings';
export type {
  AccountSettingModel, CreationTemplateModel, DeployTimeValue, ModelKind, PolicyStatement, Possible, PublicRepositoryModel,
  PullThroughCacheRuleModel, PullTimeExclusionModel, ReadGap, RegistryModel, RegistryPart, RegistryPolicyModel, RegistryScanningModel,
  ReplicationModel, RepositoryModel, ResourceTag, ScanningRule, SigningConfigurationModel, SigningRuleModel, Subject, SubjectBase, SubjectKind,
} from '../model/settings';
export { subjectsOf } from '../model/kind-list';
export type { DeclaredApp, DeclaredItem, DeclaredSigning, DeclaredStack, DeclaredSubject } from '../model/declared';
