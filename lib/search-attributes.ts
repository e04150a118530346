// Typed search attributes operators filter on in the Web UI. None holds personal data:
// only the platform's account id and our own vocabulary. Registered on the dev server by
// scripts/temporal-dev.ts and in docker-compose.yml.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FLOW_KIND = defineSearchAttributeKey('VsFlowKind', SearchAttributeType.KEYWORD);
export const FLOW_STAGE = defineSearchAttributeKey('VsFlowStage', SearchAttributeType.KEYWORD);
export const FLOW_OUTCOME = defineSearchAttributeKey('VsFlowOutcome', SearchAttributeType.KEYWORD);
export const ACCOUNT_ID = defineSearchAttributeKey('VsAccountId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [FLOW_KIND, FLOW_STAGE, FLOW_OUTCOME, ACCOUNT_ID];
