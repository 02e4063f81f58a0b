/**
 * Who reads a cloud assembly directory for `RegistryReport.read({ assembly: 'cdk.out' })`. Reading
 * templates needs aws-cdk-lib; the live read does not, so the report does not import the reader:
 * src/report/assembly.ts names itself here when it is loaded (the `lib/report` entry loads it), and
 * the live entry (`lib/report/live`) takes a `DeclaredApp` read elsewhere.
 */
import type { DeclaredApp } from '../../model/declared';
import { ReportInputError } from '../errors';

let reader: ((directory: string) => DeclaredApp) | undefined;

/** Name the reader of assembly directories (src/report/assembly.ts does, once). */
export function useAssemblyReader(read: (directory: string) => DeclaredApp): void {
  reader = read;
}

/** Read an assembly directory with the reader, or say how to get one. */
export function readAssemblyDirectory(directory: string): DeclaredApp {
  if (!reader) {
    throw new ReportInputError(`--assembly ${JSON.stringify(directory)}: reading a cloud assembly needs aws-cdk-lib; `
      + "import from 'cdk-ecr-registry/lib/report' (not 'lib/report/live'), or pass a DeclaredApp read with readAssembly");
  }
  return reader(directory);
}
