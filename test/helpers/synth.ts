import { App, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A fresh app and stack with a concrete environment (account 111111111111, us-east-1 unless given). */
export function newStack(props: StackProps = {}, app = new App()): Stack {
  return new Stack(app, props.stackName ?? 'TestStack', {
    env: { account: '111111111111', region: 'us-east-1' },
    ...props,
  });
}

/** Template of a stack. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Messages of warnings attached to the stack's constructs. */
export function warningsOf(stack: Stack): string[] {
  return Template.fromStack(stack) && stack.node.findAll()
    .flatMap(c => c.node.metadata)
    .filter(m => m.type === 'aws:cdk:warning')
    .map(m => String(m.data));
}
