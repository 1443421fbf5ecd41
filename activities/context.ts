import { Context } from '@temporalio/activity';

/** The activity context when running inside one, else undefined (so the same code also runs from the CLI and tests). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
