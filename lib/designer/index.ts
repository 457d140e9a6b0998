/** Designer document operations, shared by the browser and tests (STYLE.md #9). */
export { apply, type Operation } from "./apply";
export { historyReducer, initHistory, canUndo, canRedo, type History, type HistoryAction } from "./history";
export { toGraph, laneAt, slotAt, LAYOUT, type DesignerNode, type Selection, type StageNodeData, type TaskNodeData } from "./to-graph";
export { taskFromTemplate, type PaletteTemplate } from "./task-from-template";
export { uniqueName } from "./names";
export * from "./types";
