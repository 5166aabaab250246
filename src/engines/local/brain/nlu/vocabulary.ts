/** What the receptionist brain knows about the business; agents override it. */
export interface ReceptionistVocabulary {
  business: string;
  services: readonly string[];
  staff: readonly string[];
  /** Spoken answer to "when are you open?". */
  hours: string;
  /** The first and last hour (0–23) appointments start at; the recognizer hears a.m./p.m. times around them. */
  appointmentHours: { first: number; last: number };
  timeZone: string;
}

export const DEMO_VOCABULARY: ReceptionistVocabulary = {
  business: 'Maple Street Clinic',
  services: ['consultation', 'check-up', 'cleaning', 'follow-up', 'vaccination'],
  staff: ['Doctor Smith', 'Doctor Patel', 'Nurse Garcia'],
  hours: "We're open Monday to Friday from 8 a.m. to 6 p.m., and Saturday from 9 a.m. to 1 p.m.",
  appointmentHours: { first: 8, last: 17 },
  timeZone: 'America/New_York',
};
