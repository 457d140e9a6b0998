export * from "./users";
export * from "./templates";
export * from "./pipelines";
export * from "./runs";
export * from "./projects";
export * from "./approvals";
export * from "./schedules";
export * from "./hooks";
