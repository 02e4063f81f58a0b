/** The settings model lives in the model layer (src/model/settings.ts); the rules judge it. */
export { emptyRegistry, isDeployTimeValue } from '../model/settings';
export type {
  AccountSettingModel, CreationTemplateModel, DeployTimeValue, ModelKind, PolicyStatement, Possible, PublicRepositoryModel,
  PullThroughCacheRuleModel, PullTimeExclusionModel, ReadGap, RegistryModel, RegistryPart, RegistryPolicyModel, RegistryScanningModel,
  ReplicationModel, RepositoryModel, ResourceTag, ScanningRule, SigningConfigurationModel, SigningRuleModel, Subject, SubjectBase, SubjectKind,
} from '../model/settings';
export { subjectsOf } from '../model/kind-list';
