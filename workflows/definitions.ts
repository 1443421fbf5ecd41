// Every query, signal, update and search attribute of Sluice's workflows, defined once and imported by clients.
import { defineQuery } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PipelineStatus } from '../schemas/pipeline.js';

export const statusQuery = defineQuery<PipelineStatus>('status');

export const SA_MODEL = defineSearchAttributeKey('SluiceModel', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('SluiceStage', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('SluiceOutcome', SearchAttributeType.KEYWORD);

/** The names the dev server registers at start (infra/local/stack.ts). */
export const SEARCH_ATTRIBUTES = [SA_MODEL, SA_STAGE, SA_OUTCOME] as const;
