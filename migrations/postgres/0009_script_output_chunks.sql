CREATE TABLE "script_output_chunks" (
	"execution_id" text NOT NULL,
	"seq" integer NOT NULL,
	"bytes" integer NOT NULL,
	CONSTRAINT "script_output_chunks_execution_id_seq_pk" PRIMARY KEY("execution_id","seq")
);
