/** The task's own status, as users read it: "exit code 2", "timed out after 600s". */
export function exitMessage(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === 0) return "";
  // The two codes a shell uses for "could not run it" deserve words, not just a number.
  if (code === 127) return "exit code 127 (command not found)";
  if (code === 126) return "exit code 126 (command not executable)";
  return `exit code ${code}`;
}
