/**
 * The live registry report (`cdk-ecr-registry report`) as a library for Node.js:
 *
 * ```ts
 * import { RegistryReport } from 'cdk-ecr-registry/lib/report';
 * ```
 *
 * Not part of the jsii assembly (and so not in the Python, Java or Go bindings): it is an async
 * API over AWS SDK v3 clients and settings models with union types, which jsii cannot export.
 *
 * The names are listed one by one (docs/report.md, "The library's names"; test/report/surface.test.ts
 * pins them): every name of the live entry (`lib/report/live`, no aws-cdk-lib), and the template
 * side, which needs aws-cdk-lib: reading a cloud assembly and building the model from a CDK app.
 */
export {
  BYTES_PER_GB, ECR_STORAGE_PRICES, HTML_CHART_BARS, HTML_CSP, REPORT_SCHEMA_VERSION, RULE_INFO, RegistryReport, ReportInputError,
  SARIF_DRIFT_RULE_ID, SARIF_FINGERPRINT_KEY, SARIF_INFORMATION_URI, SARIF_RULES_HELP_URI, SARIF_SCHEMA, SARIF_VERSION, WrongAccountError, audit,
  compareRegistry, computeRepositoryUsage, emptyRegistry, escapeHtml, isDeployTimeValue, isDrift, parseTarget, readInventory, readUsage,
  renderHtml, renderText, reportToJson, reportToSarif, ruleInfo, sarifFingerprint, sortUsage, stacksOfRegistry, subjectsOf, validateTarget,
} from './live';
export type {
  AccountSettingModel, AuditOptions, CreationTemplateModel, DeclaredApp, DeclaredItem, DeclaredSigning, DeclaredStack, DeclaredStackJson,
  DeclaredSubject, DeployTimeValue, DeployedStack, DriftEntry, DriftEntryJson, DriftKind, DriftResource, DriftSummary, DriftSummaryJson,
  FailOn, Finding, GapJson, ImageUsageInput, ImagesAndBytes, Inventory, InventoryOptions, InventoryProgress, ModelKind, PhysicalIds,
  PolicyStatement, Possible, ProtectionUsage, PublicRepositoryModel, PullThroughCacheRuleModel, PullTimeExclusionModel, ReadGap, ReadUsageOptions,
  RegistryJson, RegistryModel, RegistryPart, RegistryPolicyModel, RegistryReportOptions, RegistryScanningModel, ReplicationModel,
  ReportJson, ReportTarget, RepositoryJson, RepositoryModel, RepositoryUsage, ResourceJson, ResourceTag, RuleInfo, SarifDriver,
  SarifInvocation, SarifLocation, SarifLog, SarifLogicalLocation, SarifMessage, SarifNotification, SarifResult, SarifRule, SarifRun,
  ScanningRule, Severity, SigningConfigurationModel, SigningRuleModel, StackMatch, StackResourcesReader, StoragePrices, Subject,
  SubjectBase, SubjectKind, TargetDrift, TargetDriftJson, TargetJson, TargetReading, TargetReport, TargetStatus, UsageSummaryJson,
} from './live';
export { readAssembly } from './assembly';
export { modelFromTemplate } from '../model/template';
export type { TemplateItem, TemplateModel, TemplateSubject } from '../model/template';
