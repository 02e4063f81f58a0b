/** The template reader lives in the model layer (src/model/template.ts); the rule pack reads templates through it. */
export { modelFromTemplate } from '../../model/template';
export type { TemplateItem, TemplateModel, TemplateSubject } from '../../model/template';
export { partitionOf } from '../../model/values';
