// Finds `steps.<id>` references in a JSONata expression by walking its syntax tree, so a
// reference to a step that does not exist is a validation error instead of a silent undefined.
import { compileExpression } from '../engine/expressions';

interface AstNode { type?: string; value?: unknown; steps?: AstNode[]; [key: string]: unknown }

/** Step ids an expression reads through `steps.<id>`; throws ExpressionError when it does not parse. */
export function referencedStepIds(source: string): string[] {
  const ids = new Set<string>();
  visit(compileExpression(source).ast() as AstNode, ids);
  return [...ids];
}

function visit(node: unknown, ids: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) visit(n, ids);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as AstNode;
  if (n.type === 'path' && Array.isArray(n.steps)) {
    const [first, second] = n.steps;
    if (first?.type === 'name' && first.value === 'steps' && second?.type === 'name' && typeof second.value === 'string') ids.add(second.value);
  }
  for (const value of Object.values(n)) if (value && typeof value === 'object') visit(value, ids);
}
