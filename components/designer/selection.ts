/** Which way a selected stage or task moves (buttons, Alt+arrows) or the selection walks (arrows). */
export type Move = "up" | "down" | "left" | "right";
