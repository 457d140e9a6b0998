import { notFound } from "next/navigation";
import { AppError } from "@/lib/errors";

/** Unknown ids render the 404 page instead of an error. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  }
}
