/** What the comparison needs of each strategy: its id and the words that name it. */
export interface ComparedStrategy {
  id: string;
  description: { label: string; short: string };
}
